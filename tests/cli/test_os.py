"""os list: a table of id, label, name, version, arch, size."""

from __future__ import annotations

import json
import textwrap


def test_os_list_plain_table(cli, logged_in):
    result = cli("--url", logged_in.url, "os", "list")
    assert result.exit_code == 0
    assert result.stdout == textwrap.dedent(
        """\
        ID   LABEL                 NAME     VERSION  ARCH    SIZE
        110  Debian 11 64 bits     Debian   11       x86_64  3 GB
        111  Debian 12 64 bits     Debian   12       x86_64  3 GB
        112  Ubuntu 22.04 64 bits  Ubuntu   22.04    x86_64  4 GB
        113  CentOS 7 64 bits      CentOS   7        x86_64  4 GB
        114  FreeBSD 13 64 bits    FreeBSD  13       x86_64  5 GB
        """
    )


def test_os_list_json_and_ids(cli, logged_in):
    data = json.loads(cli("--url", logged_in.url, "os", "list", "--json").stdout)
    debian = next(image for image in data if image["id"] == 111)
    assert {k: debian[k] for k in ("id", "name", "version", "arch", "label", "size")} == {
        "id": 111,
        "name": "Debian",
        "version": "12",
        "arch": "x86_64",
        "label": "Debian 12 64 bits",
        "size": 3072,
    }
    ids = cli("--url", logged_in.url, "-q", "os", "list").stdout.split()
    assert ids == ["110", "111", "112", "113", "114"]
