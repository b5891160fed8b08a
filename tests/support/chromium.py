"""The headless Chromium every browser-driving test shares (Debian's, not a download)."""

from __future__ import annotations

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# What a visitor's desktop Chrome sends. Headless Chromium says "HeadlessChrome", which
# Hedgerow rightly counts as a program; tests that play a person posting a comment send this.
VISITOR_USER_AGENT = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                      "Chrome/126.0.0.0 Safari/537.36")
