"""Transport: the HTTP plumbing under a target (time budget, pacing, retries)."""
