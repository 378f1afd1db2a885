"""Lineage as people read it: a tree picture (matplotlib) and a nested Markdown list."""

from __future__ import annotations

from sandbox.social.text import escape


def label(node: dict) -> str:
    if node.get("unavailable"):
        return "(unavailable)"
    if node.get("removed"):
        return "(removed)"
    return f"@{node['creator']}"


def lineage_markdown(lineage: dict) -> str:
    """Root first, then indented remixes; the asked-about post in bold."""
    lines, depth = [], 0
    for a in lineage["ancestors"]:
        lines.append(f"{'  ' * depth}- {escape(label(a))} `{a['post_id']}`")
        depth += 1
    p = lineage["post"]
    lines.append(f"{'  ' * depth}- **{escape(label(p))} `{p['post_id']}`** ← this post")

    def walk(children: list[dict], d: int) -> None:
        for c in children:
            lines.append(f"{'  ' * d}- 🔁 {escape(label(c))} `{c['post_id']}`")
            walk(c.get("remixes", []), d + 1)

    walk(lineage["descendants"], depth + 1)
    return "\n".join(lines)


def lineage_figure(lineage: dict):
    """A left-to-right tree: ancestors, the post (highlighted), its remixes; removed posts greyed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    nodes: list[tuple[dict, int, float, str]] = []  # (node, depth, y, role)
    edges: list[tuple[int, int]] = []
    for depth, a in enumerate(lineage["ancestors"]):
        nodes.append((a, depth, 0.0, "ancestor"))
        if depth:
            edges.append((depth - 1, depth))
    root_depth = len(lineage["ancestors"])
    nodes.append((lineage["post"], root_depth, 0.0, "post"))
    if root_depth:
        edges.append((root_depth - 1, root_depth))
    post_index = len(nodes) - 1
    next_y = [0.0]

    def place(children: list[dict], parent: int, depth: int) -> None:
        for i, c in enumerate(children):
            y = next_y[0] if i else nodes[parent][2]
            if i:
                next_y[0] += 1
            nodes.append((c, depth, y, "remix"))
            index = len(nodes) - 1
            edges.append((parent, index))
            place(c.get("remixes", []), index, depth + 1)
        next_y[0] = max(next_y[0], nodes[parent][2])

    place(lineage["descendants"], post_index, root_depth + 1)
    width = max(n[1] for n in nodes) + 1
    height = max(n[2] for n in nodes) + 1
    # at least 6 in wide: the title of a post with no remixes yet must not be cut at the figure's edges
    fig, ax = plt.subplots(figsize=(min(max(2.2 * width + 1, 6), 14), min(1.0 * height + 1.2, 8)))
    for a, b in edges:
        ax.annotate("", xy=(nodes[b][1], -nodes[b][2]), xytext=(nodes[a][1], -nodes[a][2]),
                    arrowprops={"arrowstyle": "->", "color": "#888", "lw": 1.2})
    colors = {"ancestor": "#c7d2fe", "post": "#fbbf24", "remix": "#bbf7d0"}
    for node, x, y, role in nodes:
        face = "#e5e7eb" if node.get("removed") else colors[role]
        ax.text(x, -y, f"{label(node)}\n{node['post_id']}", ha="center", va="center", fontsize=8,
                bbox={"boxstyle": "round,pad=0.4", "fc": face, "ec": "#555",
                      "ls": "--" if node.get("removed") else "-"})
    ax.set_xlim(-0.6, width - 0.4)
    ax.set_ylim(-height + 0.4, 0.6)
    ax.axis("off")
    ax.set_title("Remix lineage — original on the left, remixes to the right", fontsize=9, wrap=True)
    fig.tight_layout()
    return fig
