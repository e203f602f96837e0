"""A stand-in for the `pulumi` package that records instead of deploying.

Only what an exported program uses: ResourceOptions and export. The resources are
recorded by the stand-in `pulumi_aws`; at exit everything is written as JSON to the file
named by FAKE_PULUMI_RECORD (see server/tests/export.rs).
"""

import atexit
import json
import os

RESOURCES = []
EXPORTS = {}


class Output:
    """An output of a resource: recorded as "<class>:<logical name>.<attribute>"."""

    def __init__(self, resource, attribute):
        self.ref = f"{resource.cls}:{resource.logical}.{attribute}"

    def __repr__(self):
        return self.ref


class ResourceOptions:
    def __init__(self, provider=None, depends_on=None, ignore_changes=None):
        self.provider = provider
        self.depends_on = list(depends_on or [])
        self.ignore_changes = list(ignore_changes or [])


def export(name, value):
    if name in EXPORTS:
        raise ValueError(f"exported twice: {name}")
    EXPORTS[name] = value


def plain(value):
    """Recorded arguments as JSON: outputs become their reference strings."""
    if isinstance(value, Output):
        return value.ref
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"not a Pulumi input: {value!r}")


@atexit.register
def _write():
    path = os.environ.get("FAKE_PULUMI_RECORD")
    if path:
        with open(path, "w") as f:
            json.dump({"resources": RESOURCES, "exports": plain(EXPORTS)}, f, indent=1)
