"""The README's code runs as written and does what its comments say."""

import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def test_readme_tour_runs_and_learns_eras():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "README has no python block"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile("\n".join(blocks), str(README), "exec"), {})
    printed = out.getvalue()
    assert "Total params: 85" in printed
    assert printed.strip().splitlines()[-1] == "ERAS"
