"""Lesson layouts: which panels a lesson shows, and where.

Each layout names the dock groups of the left and right columns, top to
bottom; docks in one group share the space as tabs. Docks a layout does not
name are hidden (View menu brings them back). ``central`` says whether the
dataset plot is shown; ``*_heights`` are the groups' relative heights.
"""

LAYOUTS = {
    "Everything": {
        "central": True,
        "left": [["score_lab"], ["jacobian", "loss_shape", "derivation"]],
        "left_heights": [66, 34],
        "right": [["training"], ["weights", "point_gradient", "gradient_check"],
                  ["curves", "timeline", "point_table"]],
        "right_heights": [34, 30, 36],
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
        "right_heights": [30, 40, 30],
    },
    "Point inspector": {
        "central": True,
        "left": [["score_lab"], ["derivation", "point_table"]],
        "left_heights": [60, 40],
        "right": [["point_gradient"], ["weights", "gradient_check", "timeline"]],
        "right_heights": [52, 48],
    },
}

DEFAULT_LAYOUT = "Everything"
