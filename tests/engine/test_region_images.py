"""``RegionImages``: a view's decision-region images after edits, against ``region_image``."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from explorer.engine import RegionImages, region_image
from explorer.engine import regions

BOUNDARY = (10, 20, 30, 255)


def image_or_error(f, *args, **kwargs):
    try:
        return f(*args, **kwargs), None
    except ValueError as exc:
        return None, str(exc)


def assert_same_image(got, want, boundary=BOUNDARY):
    """Labels (colours, boundaries) exactly; the alpha of the rest within one level."""
    assert got.shape == want.shape and got.dtype == want.dtype == np.uint8
    assert_array_equal(got[..., :3], want[..., :3])
    on_boundary = np.all(want == np.array(boundary, dtype=np.uint8), axis=-1)
    assert_array_equal(got[on_boundary], want[on_boundary])
    assert np.abs(got[..., 3].astype(int) - want[..., 3].astype(int)).max(initial=0) <= 1


def blended(rgba, backdrop):
    """An RGBA image over an opaque backdrop, pixel by pixel, as ``backdrop=`` documents it:
    0xFFRRGGBB words, each channel d(c a) + d(bg (255 - a)), d(v) = (v + (v >> 8) + 128) >> 8."""
    c = rgba[..., :3].astype(np.int64)
    a = rgba[..., 3:].astype(np.int64)

    def d(v):
        return (v + (v >> 8) + 128) >> 8

    ch = d(c * a) + d(np.array(backdrop, dtype=np.int64) * (255 - a))
    assert ch.max(initial=0) <= 255
    return ((255 << 24) | (ch[..., 0] << 16) | (ch[..., 1] << 8) | ch[..., 2]).astype(np.uint32)


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_images_after_edits_equal_region_image(data):
    """Edits of one class again and again (weights, biases, into ties with another class,
    far above or below the rest, into overflow), of two classes, of the view and the
    options: every image equals ``region_image``'s, or both raise the same error. The same
    edits with a backdrop: each image is the first one's blended over it, bit for bit."""
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    backdrop = data.draw(st.sampled_from([(255, 255, 255), (30, 30, 30), (200, 10, 90)]),
                         label="backdrop")
    over_images = RegionImages()
    C = data.draw(st.integers(2, 7), label="C")
    features = data.draw(st.sampled_from([(), ("x1^2", "x1*x2")]), label="features")
    grid = data.draw(st.sampled_from([1, 2, 37]), label="grid")
    W = rng.normal(size=(2 + len(features), C))
    b = rng.normal(size=C)
    xlim, ylim, alpha = (-5.0, 5.0), (-3.0, 6.0), (40, 200)
    images = RegionImages()
    j = data.draw(st.integers(0, C - 1), label="class")
    for _ in range(data.draw(st.integers(1, 12), label="edits")):
        kind = data.draw(st.sampled_from(
            ["weight"] * 4 + ["bias", "tie", "far", "overflow", "two", "view", "alpha", "none",
                              "other class"]), label="edit")
        W, b = W.copy(), b.copy()
        scale = data.draw(st.sampled_from([0.01, 1.0, 50.0]), label="scale")
        if kind == "other class":
            j = data.draw(st.integers(0, C - 1), label="class")
            W[0, j] += scale * rng.normal()
        elif kind == "weight":
            W[data.draw(st.integers(0, W.shape[0] - 1)), j] += scale * rng.normal()
        elif kind == "bias":
            b[j] += scale * rng.normal()
        elif kind == "tie":  # class j equal to another: its first class wins
            k = (j + data.draw(st.integers(1, C - 1))) % C if C > 1 else j
            W[:, j], b[j] = W[:, k], b[k]
        elif kind == "far":  # the best everywhere, or nowhere
            b[j] = data.draw(st.sampled_from([-1e6, 1e6, -1e200]))
        elif kind == "overflow":
            W[:, j] = 1e306
        elif kind == "two":
            W[0, [j, (j + 1) % C]] += scale * rng.normal(size=2)
        elif kind == "view":
            xlim = (xlim[0] + 0.5, xlim[1])
        elif kind == "alpha":
            alpha = data.draw(st.sampled_from([(40, 200), (0, 255), (90, 90)]))
        got, got_error = image_or_error(images.image, W, b, xlim, ylim, grid, features=features,
                                        alpha=alpha, boundary_rgba=BOUNDARY)
        want, want_error = image_or_error(region_image, W, b, xlim, ylim, grid,
                                          features=features, alpha=alpha, boundary_rgba=BOUNDARY)
        assert got_error == want_error
        if want is not None:
            assert_same_image(got, want)
        over, over_error = image_or_error(over_images.image, W, b, xlim, ylim, grid,
                                          features=features, alpha=alpha,
                                          boundary_rgba=BOUNDARY, backdrop=backdrop)
        assert over_error == got_error
        if got is not None:
            assert over.dtype == np.uint32 and over.shape == (grid, grid)
            assert_array_equal(over, blended(got, backdrop))
        assert over_images.kept_class == images.kept_class


@pytest.mark.parametrize("backdrop", [(255, 255, 255), (30, 30, 30), (0, 128, 255)])
def test_an_image_over_a_backdrop_is_the_rgba_image_blended_and_opaque(backdrop):
    """``backdrop=``: the RGBA image over it, opaque, each channel within one of the exact
    blend ``c a / 255 + bg (255 - a) / 255``; boundaries too (a boundary colour with alpha)."""
    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(2, 4)), rng.normal(size=4)
    for boundary in [(0, 0, 0, 255), (250, 240, 10, 120)]:
        rgba = region_image(W, b, (-4, 4), (-4, 4), 80, boundary_rgba=boundary)
        over = region_image(W, b, (-4, 4), (-4, 4), 80, boundary_rgba=boundary,
                            backdrop=backdrop)
        assert over.shape == (80, 80) and over.dtype == np.uint32
        assert_array_equal(over, blended(rgba, backdrop))
        a = rgba[..., 3:] / 255.0
        exact = rgba[..., :3] * a + np.array(backdrop) * (1 - a)
        channels = np.stack([(over >> 16) & 255, (over >> 8) & 255, over & 255], axis=-1)
        assert np.abs(channels - exact).max() < 1.0
        assert ((over >> 24) == 255).all()
    # one class: every pixel at the top alpha
    one = region_image(W[:, :1], b[:1], (-4, 4), (-4, 4), 10, backdrop=backdrop)
    assert_array_equal(one, blended(region_image(W[:, :1], b[:1], (-4, 4), (-4, 4), 10),
                                    backdrop))


@pytest.mark.parametrize("backdrop", [(1, 2), (1, 2, 256), (-1, 0, 0), (1.5, 2, 3), "abc",
                                      (1, 2, None), 7])
def test_a_bad_backdrop_is_refused_with_a_message(backdrop):
    W, b = np.eye(2), np.zeros(2)
    with pytest.raises(ValueError, match="backdrop must be three integers"):
        region_image(W, b, (-1, 1), (-1, 1), 4, backdrop=backdrop)
    images = RegionImages()
    with pytest.raises(ValueError, match="backdrop must be three integers"):
        images.image(W, b, (-1, 1), (-1, 1), 4, backdrop=backdrop)


@pytest.fixture
def classes_filled(monkeypatch):
    """The number of classes whose scores each image forms, call by call."""
    filled = [0]
    fill = regions._fill_scores

    def counting_fill(out, *args):
        filled[-1] += out.shape[0]
        return fill(out, *args)

    monkeypatch.setattr(regions, "_fill_scores", counting_fill)
    return filled


def test_repeated_edits_of_one_class_form_only_its_scores(classes_filled):
    """The first edit of a class draws the whole image; the second keeps the other classes'
    share (their scores formed once more); from the third on, one class's scores only.
    Another class, two classes, the view or the options: the whole image again."""
    rng = np.random.default_rng(3)
    C = 5
    W, b = rng.normal(size=(2, C)), rng.normal(size=C)
    images = RegionImages()
    view = ((-5.0, 5.0), (-4.0, 4.0), 40)

    def draw(W, b, view=view, **options):
        want = region_image(W, b, *view, **options)
        classes_filled.append(0)
        assert_same_image(images.image(W, b, *view, **options), want, boundary=(0, 0, 0, 255))
        return classes_filled[-1]

    assert draw(W, b) == C
    for expected in (C, (C - 1) + 1, 1, 1):  # class 2: whole, keep the others, then alone
        W = W.copy()
        W[1, 2] += 0.3
        assert draw(W, b) == expected
    b = b.copy()
    b[2] -= 0.2
    assert draw(W, b) == 1  # (its bias is the same class's)
    W = W.copy()
    W[0, 4] += 0.1
    assert draw(W, b) == C  # another class: whole, then keep, then alone
    W = W.copy()
    W[0, 4] += 0.1
    assert draw(W, b) == (C - 1) + 1
    W = W.copy()
    W[0, [1, 4]] += 0.1
    assert draw(W, b) == C  # two classes
    assert draw(W, b, view=((-5.0, 5.0), (-4.0, 4.5), 40)) == C  # the view
    W = W.copy()
    W[0, 1] += 0.1
    assert draw(W, b, view=((-5.0, 5.0), (-4.0, 4.5), 40)) == C
    W = W.copy()
    W[0, 1] += 0.1
    assert draw(W, b, view=((-5.0, 5.0), (-4.0, 4.5), 40), alpha=(0, 255)) == C  # options
    assert draw(W, b, view=((-5.0, 5.0), (-4.0, 4.5), 40), alpha=(0, 255)) == C  # no change


def test_large_grids_keep_nothing(classes_filled, monkeypatch):
    monkeypatch.setattr(regions, "_KEEP_OTHERS_MAX", 30 * 30)
    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(2, 3)), rng.normal(size=3)
    images = RegionImages()
    for grid, expected in ((30, [3, 3, 2 + 1, 1]), (31, [3, 3, 3, 3])):
        del classes_filled[:]
        for _ in range(4):
            W = W.copy()
            W[0, 0] += 0.1
            classes_filled.append(0)
            images.image(W, b, (-3.0, 3.0), (-3.0, 3.0), grid)
        assert classes_filled == expected


def test_an_edit_into_overflow_raises_and_the_next_image_is_right():
    W = np.array([[1.0, -1.0, 0.5], [0.3, 0.2, -0.7]])
    b = np.zeros(3)
    images = RegionImages()
    for _ in range(3):
        W = W.copy()
        W[0, 1] += 0.1
        images.image(W, b, (-2.0, 2.0), (-2.0, 2.0), 20)
    big = W.copy()
    big[:, 1] = 1e308
    with pytest.raises(ValueError, match="overflow"):
        images.image(big, b, (-2.0, 2.0), (-2.0, 2.0), 20)
    W = W.copy()
    W[1, 1] -= 0.4
    assert_same_image(images.image(W, b, (-2.0, 2.0), (-2.0, 2.0), 20),
                      region_image(W, b, (-2.0, 2.0), (-2.0, 2.0), 20), boundary=(0, 0, 0, 255))


def test_inputs_it_cannot_compare_are_refused_as_region_image_does():
    """A ragged palette: ``region_image``'s own error, nothing kept; the next image right."""
    W = np.array([[1.0, -1.0, 0.5], [0.3, 0.2, -0.7]])
    b = np.zeros(3)
    images = RegionImages()
    images.image(W, b, (-2.0, 2.0), (-2.0, 2.0), 9)
    ragged = [[1, 2, 3], [4, 5]]
    got = image_or_error(images.image, W, b, (-2.0, 2.0), (-2.0, 2.0), 9, palette=ragged)
    want = image_or_error(region_image, W, b, (-2.0, 2.0), (-2.0, 2.0), 9, palette=ragged)
    assert got[0] is None and got[1] == want[1] is not None
    for k in range(3):
        W = W.copy()
        W[0, 2] += 0.5
        assert_same_image(images.image(W, b, (-2.0, 2.0), (-2.0, 2.0), 9),
                          region_image(W, b, (-2.0, 2.0), (-2.0, 2.0), 9), boundary=(0, 0, 0, 255))


def test_one_class_edits_set_up_the_view_once_and_check_only_the_edited_class(monkeypatch):
    """Edit after edit of one class in one view: the grid is set up (and checked) once, and
    only the edited class's scores are formed and checked for overflow (~0.25 ms an edit at
    grid 250); a weight that is NaN or infinite still gets ``region_image``'s own error."""
    setups, parts, counting = [], [], [False]
    setup, raw_parts = regions._region_setup, regions._raw_parts
    monkeypatch.setattr(regions, "_region_setup",
                        lambda *a: (counting[0] and setups.append(1)) or setup(*a))
    monkeypatch.setattr(regions, "_raw_parts",
                        lambda W, *a: (counting[0] and parts.append(W.shape[1])) or raw_parts(W, *a))
    rng = np.random.default_rng(11)
    W, b = rng.normal(size=(2, 5)), rng.normal(size=5)
    view = ((-3.0, 3.0), (-2.0, 4.0), 40)
    images = RegionImages()
    images.image(W, b, *view)
    for k in range(6):
        W = W.copy()
        W[k % 2, 3] += 0.2
        counting[0] = k >= 2  # (the first two edits set the view and the others' share up)
        got = images.image(W, b, *view)
        counting[0] = False
        assert_same_image(got, region_image(W, b, *view), boundary=(0, 0, 0, 255))
    assert setups == [] and set(parts) == {1}
    for bad in (np.nan, np.inf):
        W_bad = W.copy()
        W_bad[0, 3] = bad
        got = image_or_error(images.image, W_bad, b, *view)
        want = image_or_error(region_image, W_bad, b, *view)
        assert got[0] is None and got[1] == want[1] is not None
    W = W.copy()
    W[1, 3] -= 0.3
    assert_same_image(images.image(W, b, *view), region_image(W, b, *view),
                      boundary=(0, 0, 0, 255))


@pytest.mark.parametrize("alpha", [(40, 200), (0, 255), (200, 40)])
def test_one_class_edits_form_the_alpha_in_few_passes(monkeypatch, alpha):
    """The alpha of a one-class edit: ``k / sum + c``, rounded, no clipping (it lies between
    its two levels by construction; ``np.clip`` alone costs ~50 us of checks in Python),
    and the tie rule's mask kept with the other classes' share; each image as
    ``region_image``'s, whose alpha spans both levels."""
    clips = []
    clip = np.clip
    rng = np.random.default_rng(8)
    W, b = rng.normal(size=(2, 4)), rng.normal(size=4)
    view = ((-4.0, 4.0), (-4.0, 4.0), 60)
    images = RegionImages()
    images.image(W, b, *view, alpha=alpha)
    monkeypatch.setattr(np, "clip", lambda *a, **k: clips.append(1) or clip(*a, **k))
    for k in range(4):
        W = W.copy()
        W[k % 2, 1] += 0.4
        before = len(clips)
        got = images.image(W, b, *view, alpha=alpha)
        assert k == 0 or len(clips) == before  # (the first edit draws the whole image)
        want = region_image(W, b, *view, alpha=alpha)
        assert_same_image(got, want, boundary=(0, 0, 0, 255))
        shade = got[..., 3][~np.all(got == np.array((0, 0, 0, 255), np.uint8), axis=-1)]
        assert shade.min() >= min(alpha) and shade.max() <= max(alpha)
    assert images.kept_class == 1 and clips  # (region_image's own passes clip)
