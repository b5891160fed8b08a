"""The captcha: arithmetic questions, proof of work, and the challenge → solve → verify flow."""
