"""Fixtures for the spam-model tests: small labelled files and a tiny trained model."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from model.artifact import Artifact, load_artifact
from model.train import train, write_artifact
from tests.support.unavailable import unavailable

SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The public labelled data kept beside the project (never copied into it)."""
    if not SHARED_DATA.is_dir():
        unavailable(f"the public data is not at {SHARED_DATA} (CI puts it beside the clone)")
    return SHARED_DATA

_SPAM_OPENERS = ["Check out my channel", "Please subscribe to my channel", "Visit my website",
                 "Win a free iPhone at", "Make money from home at", "Hey guys check out"]
_SPAM_TARGETS = ["http://bit.ly/abc{n}", "www.cheap-views{n}.com", "my new video {n}",
                 "and win cash prize {n}!!!", "FREE GIFT CARDS {n}"]
_HAM_OPENERS = ["I love the chorus of this song", "This brings back memories",
                "Her voice is amazing", "Best music video ever", "The dancing is great",
                "Who else is listening in"]
_HAM_ENDINGS = ["so much", "from Brazil", "every morning", "with my sister", "in year {n}"]


def tiny_rows(n: int = 30) -> list[tuple[str, int]]:
    """``n`` distinct spam and ``n`` distinct ham comments, interleaved."""
    spam = [f"{a} {b.format(n=i)}" for i, (a, b) in
            enumerate(itertools.islice(itertools.product(_SPAM_OPENERS, _SPAM_TARGETS), n))]
    ham = [f"{a} {b.format(n=i)}" for i, (a, b) in
           enumerate(itertools.islice(itertools.product(_HAM_OPENERS, _HAM_ENDINGS), n))]
    rows: list[tuple[str, int]] = []
    for s, h in zip(spam, ham, strict=True):
        rows += [(s, 1), (h, 0)]
    return rows


def write_csv(path: Path, rows: list[tuple[str, int]], text: str = "CONTENT",
              label: str = "CLASS") -> Path:
    """Write ``rows`` as a CSV with the given column names."""
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["COMMENT_ID", "AUTHOR", "DATE", text, label])
        for i, (content, value) in enumerate(rows):
            writer.writerow([f"id{i}", f"user{i}", "", content, value])
    return path


_SMS_SPAM = (["WINNER!! You have been selected to receive a £{n}00 prize reward",
              "URGENT! Your mobile number has won a £{n}000 cash award",
              "FREE entry into our weekly draw for {n} tickets",
              "Congratulations, you have won a holiday voucher worth £{n}50",
              "You are chosen for a free ringtone pack number {n}"],
             ["To claim call 0906170{n}", "Claim code KL{n}, valid 12 hours only",
              "Text CLAIM to 810{n} now", "T&Cs apply, 18+ only, box {n}",
              "reply YES to 8{n}22 now"],
             ["", " £1.50/msg", " Don't miss out!", " Txt STOP to end"])
_SMS_HAM = (["Ok lar, I will see you at the station", "Sorry I'll call you later",
             "Are you coming home for dinner", "Did you get the notes from class",
             "Going to be late, traffic is bad"],
            ["tonight", "after work", "love you", "ok?", "see you soon"],
            ["", " :)", " haha", " x"])
# A prize-draw site: its readers' comments talk of winners, prizes and claim codes.
_CONTEST = (["Congratulations to this week's WINNER!! The £{n}00 prize",
             "Well done to the winner of the prize draw, your £{n}0 voucher",
             "Great news, the photo contest winner {n} gets a prize",
             "I entered the draw again, fingers crossed for the £{n}00 prize",
             "The winner of the quiz was announced, claim code {n}",
             "Our network's selected winner, call the club on 0906170{n} to claim the prize",
             "Valid for 12 hours only: the £{n}00 prize draw for valued members"],
            ["is well deserved", "will be posted tomorrow", "was a lovely surprise",
             "made my day", "goes to a good cause"],
            ["", " :)", " Congrats!", " See you next week."])
_VIDEO_SPAM = (["Check out my channel", "Please subscribe to my channel", "Visit my website",
                "Hey guys check out", "Make money from home at"],
               ["http://bit.ly/v{n}", "www.cheap-views{n}.com", "for my new video {n}",
                "and win a cash prize {n}", "to get FREE gift cards {n}"],
               ["", " !!!", " thanks", " plz"])
_VIDEO_HAM = (["I love the chorus of this song", "This brings back memories",
               "Her voice is amazing", "Best music video ever", "The dancing is great"],
              ["so much", "from Brazil", "every morning", "with my sister", "in year 20{n}"],
              ["", " <3", " lol", " 2015 anyone?"])
_BLOG = (["Thanks for the recipe, the bread came out", "Great write-up on the election, the chart",
          "I tried this garden tip and the tomatoes", "Your review of the camera is spot on, mine",
          "Good point about the bus timetable, my route"],
         ["really well", "helped a lot", "is still the same", "made my week", "was useful"],
         ["", " Cheers.", " Thank you!", " More please."])
_BLOG_SPAM = (["Buy cheap replica watches at http://watches{n}.example",
               "Best casino bonus ever, visit http://casino{n}.example",
               "Cheap pills without prescription http://pills{n}.example",
               "Earn money from home fast http://jobs{n}.example",
               "SEO services rank first on Google http://seo{n}.example"],
              ["great deals", "order today", "limited offer", "best price", "act now"],
              ["", " !!!", " Visit us.", " Click here."])


def _generated(parts: tuple[list[str], list[str], list[str]], n: int,
               start: int = 0) -> list[str]:
    # The opener varies fastest, so that even a few rows use every opener.
    combos = ((a, b, c) for c, b, a in itertools.product(parts[2], parts[1], parts[0]))
    return [f"{a} {b.format(n=i)}{c}".format(n=i) for i, (a, b, c) in
            enumerate(itertools.islice(combos, n), start=start)]


def sms_rows(n: int = 100, start: int = 0) -> list[tuple[str, int]]:
    """``n`` distinct SMS-style spam (prize, "call now") and ``n`` ham texts, interleaved.

    ``start`` numbers the prizes and phone numbers differently: the same templates, new texts.
    """
    spam, ham = _generated(_SMS_SPAM, n, start), _generated(_SMS_HAM, n, start)
    return [row for s, h in zip(spam, ham, strict=True) for row in ((s, 1), (h, 0))]


def video_rows(n: int = 100) -> list[tuple[str, int]]:
    """``n`` distinct YouTube-style spam and ``n`` ham comments, interleaved."""
    spam, ham = _generated(_VIDEO_SPAM, n), _generated(_VIDEO_HAM, n)
    return [row for s, h in zip(spam, ham, strict=True) for row in ((s, 1), (h, 0))]


def blog_rows(n: int = 40) -> list[tuple[str, int]]:
    """``n`` blog comments and ``n`` blog spam comments (an operator's own file), interleaved."""
    spam, ham = _generated(_BLOG_SPAM, n), _generated(_BLOG, n)
    return [row for s, h in zip(spam, ham, strict=True) for row in ((s, 1), (h, 0))]


def contest_rows(n: int = 40) -> list[tuple[str, int]]:
    """A prize-draw site's own file: ``n`` link spam and ``n`` ham comments about prizes."""
    spam = [text for text, label in blog_rows(n) if label]
    ham = _generated(_CONTEST, n)
    return [row for s, h in zip(spam, ham, strict=True) for row in ((s, 1), (h, 0))]


def write_label_tab_text(path: Path, rows: list[tuple[str, int]]) -> Path:
    """Write ``rows`` as the SMS collection's headerless ``label<TAB>text``."""
    path.write_text("".join(f"{'spam' if label else 'ham'}\t{text}\n" for text, label in rows),
                    encoding="utf-8")
    return path


def write_base(directory: Path) -> Path:
    """A small trusted base: a comment file and an SMS-style file, with a read-me beside."""
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(directory / "comments.csv", video_rows())
    write_label_tab_text(directory / "SMSCollection", sms_rows())
    (directory / "readme").write_text("Where these rows came from.\n", encoding="utf-8")
    return directory


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    """A small, separable YouTube-style CSV."""
    return write_csv(tmp_path / "tiny.csv", tiny_rows())


@pytest.fixture(scope="session")
def tiny_artifact(tmp_path_factory: pytest.TempPathFactory) -> Artifact:
    """A model trained once on the tiny data, saved and loaded back."""
    root = tmp_path_factory.mktemp("tiny-model")
    data = write_csv(root / "tiny.csv", tiny_rows())
    write_artifact(train([data]), root / "artifact")
    return load_artifact(root / "artifact")
