"""Files the package writes (report, plan, agreement page): whole or not at all, through
symlinks to the file they name, and into a device or FIFO in place."""
import os
import stat

import pytest

from test_bindings import _import


@pytest.fixture(scope="module")
def files():
    _import()
    from sleeparch import _files

    return _files


def test_written_whole_through_a_symlink(files, tmp_path):
    real = tmp_path / "real.html"
    real.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(real)
    files.write_text(link, "<p>new</p>\n")
    assert link.is_symlink() and real.read_text() == "<p>new</p>\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.html", "real.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(files, tmp_path):
    target = tmp_path / "plan.json"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        files.write_text(target, "half \udcff")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.json"]


def test_a_fifo_is_written_in_place(files, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a reader that never blocks the writer
    try:
        files.write_text(fifo, "nights\n")
        assert os.read(fd, 1 << 16) == b"nights\n"
    finally:
        os.close(fd)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
