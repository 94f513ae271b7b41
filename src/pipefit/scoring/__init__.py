"""Learning from history: feature frames, learned models, baselines, leak checks, backtests."""
