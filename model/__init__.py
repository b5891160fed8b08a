"""Hedgerow's comment-spam model: loading data, training, scoring and model versions."""
