# SPDX-License-Identifier: ISC
"""PEP 517 backend: setuptools.build_meta, plus an offline pure wheel.

setuptools before 70.1 makes wheels and dist-info with the `wheel`
package's bdist_wheel, which a fresh venv of Debian's python3 (3.11) lacks,
and `pip install --no-index --no-build-isolation` cannot fetch it.  Then,
and only then, the two wheel hooks below write the wheel themselves: the
package is pure Python, so a wheel is a zip of porthole/*.py and a
dist-info directory (PEP 427, PEP 376 RECORD).  Metadata comes from
pyproject.toml, read with tomllib where there is one (3.11+), else from its
few lines of `key = "value"`.
"""
import base64
import hashlib
import os
import re
import zipfile

from setuptools import build_meta as _st
from setuptools.build_meta import *  # noqa: F401,F403

try:
    import wheel  # noqa: F401
    _HAVE_WHEEL = True
except ImportError:
    try:        # setuptools >= 70.1 carries bdist_wheel itself
        from setuptools.command import bdist_wheel  # noqa: F401
        _HAVE_WHEEL = True
    except ImportError:
        _HAVE_WHEEL = False

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TAG = "py3-none-any"


def _project():
    with open(os.path.join(_ROOT, "pyproject.toml"), "rb") as f:
        raw = f.read()
    try:
        import tomllib
        p = tomllib.loads(raw.decode("utf-8"))["project"]
        return p["name"], p["version"], p.get("description", ""), \
            p.get("requires-python", "")
    except ImportError:
        text = raw.decode("utf-8").split("[project]", 1)[1]
        text = text.split("\n[", 1)[0]
        kv = dict(re.findall(r'^([\w-]+)\s*=\s*"([^"]*)"', text, re.M))
        return kv["name"], kv["version"], kv.get("description", ""), \
            kv.get("requires-python", "")


def _metadata_files():
    name, version, summary, requires = _project()
    meta = "Metadata-Version: 2.1\nName: %s\nVersion: %s\n" % (name, version)
    if summary:
        meta += "Summary: %s\n" % summary
    if requires:
        meta += "Requires-Python: %s\n" % requires
    meta += "License: ISC\n"
    wheel_txt = ("Wheel-Version: 1.0\nGenerator: porthole-backend\n"
                 "Root-Is-Purelib: true\nTag: %s\n" % _TAG)
    distinfo = "%s-%s.dist-info" % (name, version)
    return name, version, distinfo, {
        distinfo + "/METADATA": meta.encode(),
        distinfo + "/WHEEL": wheel_txt.encode(),
        distinfo + "/top_level.txt": b"porthole\n",
    }


def get_requires_for_build_wheel(config_settings=None):
    if _HAVE_WHEEL:
        return _st.get_requires_for_build_wheel(config_settings)
    return []


def prepare_metadata_for_build_wheel(metadata_directory,
                                     config_settings=None):
    if _HAVE_WHEEL:
        return _st.prepare_metadata_for_build_wheel(metadata_directory,
                                                    config_settings)
    _n, _v, distinfo, files = _metadata_files()
    for arc, data in files.items():
        path = os.path.join(metadata_directory, arc)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return distinfo


def _record_line(arc, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
    return "%s,sha256=%s,%d\n" % (arc, digest.rstrip(b"=").decode(),
                                  len(data))


def build_wheel(wheel_directory, config_settings=None,
                metadata_directory=None):
    if _HAVE_WHEEL:
        return _st.build_wheel(wheel_directory, config_settings,
                               metadata_directory)
    name, version, distinfo, files = _metadata_files()
    pkg = os.path.join(_ROOT, "porthole")
    entries = []
    for fn in sorted(os.listdir(pkg)):
        if fn.endswith(".py"):
            with open(os.path.join(pkg, fn), "rb") as f:
                entries.append(("porthole/" + fn, f.read()))
    entries.extend(sorted(files.items()))
    whl = "%s-%s-%s.whl" % (name, version, _TAG)
    record = "".join(_record_line(a, d) for a, d in entries)
    record += distinfo + "/RECORD,,\n"
    with zipfile.ZipFile(os.path.join(wheel_directory, whl), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for arc, data in entries:
            z.writestr(arc, data)
        z.writestr(distinfo + "/RECORD", record)
    return whl
