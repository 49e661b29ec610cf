"""Lesson layouts: which panels a lesson shows, and where.

Each layout names the dock groups of the left and right columns, top to
bottom; docks in one group share the space as tabs. Docks a layout does not
name are hidden (View menu brings them back). ``central`` says whether the
dataset plot is shown.
"""

LAYOUTS = {
    "Everything": {
        "central": True,
        "left": [["score_lab"], ["jacobian", "loss_shape", "derivation"]],
        "right": [["training"], ["weights", "point_gradient", "gradient_check"],
                  ["curves", "timeline", "point_table"]],
    },
    "Scores only": {
        "central": False,
        "left": [["score_lab"]],
        "right": [["jacobian"], ["loss_shape"]],
    },
    "Dataset and training": {
        "central": True,
        "left": [],
        "right": [["training"], ["curves"], ["weights"]],
    },
    "Point inspector": {
        "central": True,
        "left": [["score_lab"], ["derivation"]],
        "right": [["point_gradient"], ["weights", "gradient_check"], ["timeline", "point_table"]],
    },
}

DEFAULT_LAYOUT = "Everything"
