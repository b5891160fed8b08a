"""What the service does with spam-model versions: the loaded model, and publication via Redis."""
