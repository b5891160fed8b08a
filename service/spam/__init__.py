"""The spam layer: deciding on a comment, moderation, and moderators' feedback."""
