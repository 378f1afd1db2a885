"""Storyboards: several shots made in order with continuity, stitched into one draft."""
