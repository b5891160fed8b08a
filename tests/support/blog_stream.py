"""A labelled stream of blog comments unlike the training data, made from templates.

The site's spam is what blogs get and music videos do not: search-engine comments that
praise the article under a keyword-stuffed author name, and "fund recovery" scams. Its
ham is ordinary discussion of the post, sometimes grateful, sometimes with a link. Every
sentence here was written for these tests; nothing is taken from a data set.

``python -m tests.support.blog_stream OUT.jsonl [--rows N] [--seed S]`` writes the stream.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path

TOPICS = (
    "sourdough starters", "home composting", "Python packaging", "winter cycling",
    "balcony gardening", "budget travel in Portugal", "learning the violin as an adult",
    "database indexing", "repairing old bicycles", "bird photography", "writing a novel",
    "keeping chickens", "remote work", "making kimchi", "rust-proofing a car",
)
TOOLS = ("pip", "the Dutch oven", "PostgreSQL", "my old Canon", "a pressure cooker",
         "the 2.3 release", "git bisect", "a chain checker", "the library's new API")

# -- spam: search-engine comments --------------------------------------------------------
SEO_OPENERS = (
    "Great article!", "Very informative post.", "Nice blog, keep it up.", "Awesome content.",
    "This is a really helpful article.", "Wonderful post, thanks.", "Excellent write-up.",
    "Really nice and informative blog.", "Such a valuable post.",
)
SEO_BODIES = (
    "Thanks for sharing such valuable information about {topic}.",
    "I found this post while searching for {topic} and it is exactly what I needed.",
    "Your way of explaining {topic} is very unique and easy to understand.",
    "The information you shared about {topic} is very useful for everyone.",
    "I have read many blogs on {topic} but this one is the best.",
    "You have covered every point about {topic} in detail.",
)
SEO_CLOSERS = (
    "I have bookmarked your site and will visit again.",
    "Keep sharing such quality content.",
    "Looking forward to more posts like this.",
    "I will share it with my friends.",
    "Please keep posting such informative articles.",
    "Waiting for your next update.",
)
SEO_SERVICES = ("SEO Services", "Digital Marketing Agency", "Web Design Company",
                "Packers and Movers", "Cheap Hosting", "Assignment Help", "Escort Service",
                "Interior Designer", "Best Astrologer", "Taxi Service", "Mobile App Development")
CITIES = ("Delhi", "Mumbai", "Dubai", "Lahore", "Noida", "Jaipur", "Karachi", "Pune", "Bangalore")

# -- spam: fund-recovery scams ------------------------------------------------------------
SCAM_LOSSES = (
    "I lost ${amount} to a fake trading platform last year.",
    "I was scammed out of ${amount} in an online investment scheme.",
    "My husband and I lost ${amount} of our savings to a binary options broker.",
    "After losing ${amount} in a crypto wallet hack I had given up hope.",
)
SCAM_RESCUES = (
    "Thanks to {hacker} I got every coin back within 72 hours.",
    "{hacker} traced the wallet and recovered all of it.",
    "A friend introduced me to {hacker}, a certified recovery expert, and the funds are back.",
    "{hacker} helped me recover my funds, I am so grateful.",
)
SCAM_CONTACTS = (
    "Reach them at {mail}.", "Contact {mail} or WhatsApp +1 {phone}.",
    "Email {mail}, they reply fast.", "Message them on Telegram @{handle}.",
)
HACKERS = ("Mr. Kevin Rowe", "CyberTrace Recovery", "Hack Wizard Pro", "Agent Linda",
           "RecoverMyCoin Team", "Dr. Sam Cyber", "Spy Genius Hacks")

# -- ham: discussion ----------------------------------------------------------------------
HAM_OPENERS = (
    "I tried this last weekend.", "Interesting take.", "Thanks, this finally made it click.",
    "I mostly agree, with one caveat.", "Long-time reader here.", "Quick question.",
    "This matches what I saw too.", "Hmm, not sure about the second step.",
    "Lovely post as always.", "We argued about exactly this at work yesterday.",
)
HAM_BODIES = (
    "When I followed the part about {topic}, {tool} behaved differently on my machine.",
    "The section on {topic} reminded me of how my grandmother did it, minus {tool}.",
    "Did you pin the version of {tool}? Mine broke after an update.",
    "My experience with {topic} was that the second week is the hard one.",
    "I would add that {tool} needs a rest day between sessions, at least in my case.",
    "For {topic} I found the opposite: slower and cheaper worked better.",
    "The photos of the {topic} setup are great, what lens was that?",
    "How long did the whole thing take you? I am trying {topic} with {tool} now.",
)
HAM_CLOSERS = (
    "Anyway, thanks for writing it up.", "Would love a follow-up post.",
    "Curious what others think.", "", "", "Cheers.", "Going to try again tomorrow.",
    "More details in the docs: https://docs.python.org/3/tutorial/",
    "There is a good thread about it at https://en.wikipedia.org/wiki/Fermentation",
)
HAM_NAMES = ("Ada", "Tomasz", "Priya", "jen_k", "Marcus", "Oluwaseun", "Hannah B.", "Li Wei",
             "grumpy_cyclist", "Sofia", "Dave", "Noor", "Pieter", "Kate R.")


def _seo(rng: random.Random) -> dict[str, str]:
    topic = rng.choice(TOPICS)
    service, city = rng.choice(SEO_SERVICES), rng.choice(CITIES)
    text = " ".join((rng.choice(SEO_OPENERS), rng.choice(SEO_BODIES).format(topic=topic),
                     rng.choice(SEO_CLOSERS)))
    author = rng.choice((f"Best {service} in {city}", f"{service} {city}",
                         f"{service} | Cheap {service} {city}", f"Top {service} {city}"))
    slug = f"{service}-{city}".lower().replace(" ", "-")
    return {"comment_content": text, "comment_author": author,
            "comment_author_url": f"https://www.{slug}.example/", "label": "spam"}


def _scam(rng: random.Random) -> dict[str, str]:
    hacker = rng.choice(HACKERS)
    handle = hacker.lower().replace(" ", "").replace(".", "")
    amount = f"{rng.randint(8, 240)},{rng.randint(0, 999):03d}"
    loss = rng.choice(SCAM_LOSSES).format(amount=amount)
    rescue = rng.choice(SCAM_RESCUES).format(hacker=hacker)
    contact = rng.choice(SCAM_CONTACTS)
    phone = f"{rng.randint(200, 999)} {rng.randint(1000, 9999)}"
    text = " ".join((loss, rescue, contact.format(mail=f"{handle}@mail.example",
                                                  handle=handle, phone=phone)))
    author = rng.choice(("Margaret Hill", "James Carter", "Olivia", "Tom W.", "Sandra K."))
    return {"comment_content": text, "comment_author": author, "comment_author_url": "",
            "label": "spam"}


def _ham(rng: random.Random) -> dict[str, str]:
    text = " ".join(part for part in (
        rng.choice(HAM_OPENERS),
        rng.choice(HAM_BODIES).format(topic=rng.choice(TOPICS), tool=rng.choice(TOOLS)),
        rng.choice(HAM_CLOSERS),
    ) if part)
    return {"comment_content": text, "comment_author": rng.choice(HAM_NAMES),
            "comment_author_url": "", "label": "ham"}


def stream(rows: int = 300, seed: int = 7, spam_share: float = 0.4) -> Iterator[dict[str, str]]:
    """``rows`` labelled comments in arrival order; about ``spam_share`` of them spam."""
    rng = random.Random(seed)
    for _ in range(rows):
        if rng.random() < spam_share:
            yield _seo(rng) if rng.random() < 0.7 else _scam(rng)
        else:
            yield _ham(rng)


def write(path: Path, rows: int = 300, seed: int = 7) -> Path:
    """Write the stream as JSONL (one comment per line, ``label`` spam or ham)."""
    with path.open("w", encoding="utf-8") as out:
        for row in stream(rows, seed):
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write(args.out, args.rows, args.seed)
