"""The fields of a comment, named as Akismet names them, and the form signals the model weighs.

Clients send these names to both HTTP APIs, data files may use them as column names, and
the model reads the text and author fields under them.
"""

from __future__ import annotations

CONTENT = "comment_content"
AUTHOR = "comment_author"
AUTHOR_EMAIL = "comment_author_email"
AUTHOR_URL = "comment_author_url"
USER_IP = "user_ip"
USER_AGENT = "user_agent"
COMMENT_TYPE = "comment_type"
PERMALINK = "permalink"
BLOG_LANG = "blog_lang"

# Every field a comment check accepts.
COMMENT_FIELDS = frozenset(
    {
        CONTENT, AUTHOR, AUTHOR_EMAIL, AUTHOR_URL, USER_IP, USER_AGENT, "referrer",
        PERMALINK, COMMENT_TYPE, "comment_date_gmt", "comment_post_modified_gmt", BLOG_LANG,
        "blog_charset", "user_role", "is_test", "recheck_reason", "honeypot_field_name",
        "comment_context", "blog",
    }
)
# Fields that identify the commenter.
PERSONAL_FIELDS = (USER_IP, AUTHOR_EMAIL)

# Names under which the model takes what the form measured. No client sends them: the
# service fills them in from the honeypot it was told of and the solved captcha's age.
HONEYPOT_FIELD = "honeypot"
FILL_SECONDS_FIELD = "fill_seconds"

# The longest comment (and any other field) the APIs accept, in characters.
MAX_COMMENT_CHARS = 32 * 1024
