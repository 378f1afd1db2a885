"""Remix: build on someone's video — restyle, extend or recast it — with credit (lineage, C2PA ingredient)
and consent (remix policy, cameo rules) carried along."""
