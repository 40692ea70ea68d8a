"""MLCommons Croissant 1.0 metadata (JSON-LD) of a generated dataset config.

The file describes one generated config as it lies in the store: every split file is a ``cr:FileObject``
(its ``contentUrl`` relative to the JSON-LD file, ``sha256`` of the file's bytes, ``contentSize`` in bytes,
``encodingFormat`` ``application/x-netcdf``), every split is a ``cr:RecordSet`` whose ``cr:Field``'s are
the split's variables and coordinates (``dataType`` from the dtype; dimensions, shape, dtype and units in
the field's description, since Croissant 1.0 has no array shape), and the generator parameters (value,
units, meaning) and the dataset seed are a record set of their own with inline ``data``, so that any
Croissant reader gets them as records.  License, citation (``citeAs``), pretty name and keywords come
from the data card, version and date from the manifest.

``mdbench data croissant NAME --config C`` writes it anywhere; :func:`mdbench.data.store.generate`
writes a copy, ``croissant.json``, into every dataset directory it generates.  :func:`verify_files`
re-hashes the files a Croissant file lists and fails on any difference (Croissant readers check the
sha256 of files they download; the netCDF split files are not a format they read records from).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np

from mdbench.core.atomic import write_text_atomic
from mdbench.core.errors import DatasetCorruptError, DatasetMissingError
from mdbench.core.params import DatasetConfig
from mdbench.data.card import Card, read_card

FILE_NAME = "croissant.json"
CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
NETCDF = "application/x-netcdf"
#: the standard Croissant 1.0 ``@context`` (as written by mlcroissant 1.1.1 for 1.0 files)
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "extract": "cr:extract",
    "field": "cr:field",
    "fileProperty": "cr:fileProperty",
    "fileObject": "cr:fileObject",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "parentField": "cr:parentField",
    "path": "cr:path",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
PARAMETERS = "generator_parameters"


def data_type(dtype: np.dtype) -> str:
    """The Croissant ``dataType`` of a numpy dtype."""
    dtype = np.dtype(dtype)
    if dtype.kind in "USO":
        return "sc:Text"
    if dtype.kind == "b":
        return "sc:Boolean"
    if dtype.kind == "M":
        return "sc:DateTime"
    if dtype.kind == "f" and dtype.itemsize in (2, 4, 8):
        return f"cr:Float{8 * dtype.itemsize}"
    if dtype.kind in "iu" and dtype.itemsize in (1, 2, 4, 8):
        return f"cr:{'Int' if dtype.kind == 'i' else 'UInt'}{8 * dtype.itemsize}"
    return "sc:Text" if dtype.kind == "m" else "sc:Float"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _variable_attrs(path: Path, lock) -> dict[str, dict]:
    """Every variable's attributes in a split file (names, long names, descriptions; no array is read)."""
    import netCDF4

    with lock, netCDF4.Dataset(path) as nc:
        return {name: {a: var.getncattr(a) for a in var.ncattrs()} for name, var in nc.variables.items()}


def _field_description(name: str, record: dict, attrs: dict) -> str:
    meaning = str(attrs.get("long_name") or attrs.get("description") or name)
    dims = ", ".join(record["dims"]) or "scalar"
    shape = "×".join(map(str, record["shape"])) or "1"
    units = record.get("units")
    kind = "coordinate" if record.get("coord") else "variable"
    return (f"{meaning}. {kind} over ({dims}), shape {shape}, dtype {np.dtype(record['dtype']).name}, "
            f"units {units if units is not None else '(none)'}")


def _content_url(file: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(file.resolve(), base.resolve())).as_posix()
    except ValueError:  # another drive (Windows): an absolute URI
        return file.resolve().as_uri()


def build(spec, cfg: DatasetConfig, manifest: dict, directory: Path, *, card: Card | Path | str | None = None,
          base: Path | None = None, lock=None) -> dict:
    """The Croissant JSON-LD of a generated config: ``manifest`` and the split files in ``directory``.

    ``base`` is the folder the JSON-LD file will lie in (``contentUrl``'s are relative to it; default
    ``directory``); ``lock`` guards the netCDF reads (the store's HDF5 lock).
    """
    card = card if isinstance(card, Card) else read_card(card)
    base = Path(base or directory)
    lock = lock if lock is not None else contextlib.nullcontext()
    title = f"{spec.name} {spec.version} {cfg.name}"
    distribution, record_sets = [], []
    for split, entry in manifest["splits"].items():
        path = Path(directory) / entry["file"]
        if not path.is_file():
            raise DatasetMissingError(f"{path} is missing; run `mdbench data generate {spec.name} --config "
                                      f"{cfg.name}`")
        file_id = f"{split}-file"
        distribution.append({
            "@type": "cr:FileObject", "@id": file_id, "name": entry["file"],
            "description": f"split {split!r} of {title}: netCDF4 (sizes {entry['sizes']}); mdbench content "
                           f"sha256 {entry['sha256']} (arrays and attributes, as in the manifest)",
            "contentUrl": _content_url(path, base), "encodingFormat": NETCDF,
            "contentSize": f"{path.stat().st_size} B", "sha256": file_sha256(path),
        })
        attrs = _variable_attrs(path, lock)
        variables = manifest.get("structure", {}).get(split, {}).get("variables")
        if variables is None:  # a manifest written before structure records: read it from the file
            import xarray as xr

            with lock, xr.open_dataset(path, engine="netcdf4") as ds:
                coords = set(map(str, ds.coords))
                variables = {str(n): {"dims": list(map(str, v.dims)), "coord": str(n) in coords,
                                      "dtype": v.dtype.str, "shape": list(v.shape), "units": v.attrs.get("units")}
                             for n, v in ds.variables.items()}
        fields = [{
            "@type": "cr:Field", "@id": f"{split}/{name}", "name": name,
            "description": _field_description(name, record, attrs.get(name, {})),
            "dataType": data_type(np.dtype(record["dtype"])),
            "source": {"fileObject": {"@id": file_id}, "extract": {"column": name}},
        } for name, record in sorted(variables.items())]
        record_sets.append({"@type": "cr:RecordSet", "@id": split, "name": split,
                            "description": f"the {split!r} split: one field per variable of {entry['file']}",
                            "field": fields})
    record_sets.append(_parameters(cfg))
    summary = getattr(spec, "summary", "") or title
    description = (f"{card.pretty_name or summary}. Config {cfg.name!r}: {cfg.description}. Generated by mdbench "
                   f"({summary}); every generator parameter with its units is in the record set {PARAMETERS!r}. "
                   f"mdbench manifest sha256 {manifest['sha256']}.")
    doc = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": f"{spec.name}-{cfg.name}",
        "alternateName": card.pretty_name or title,
        "description": description,
        "version": str(spec.version),
        "url": Path(directory).resolve().as_uri(),
        "license": card.license or "unknown (the dataset has no data card naming one)",
        "citeAs": card.citation or f"{title}, generated with mdbench",
        "keywords": [str(t) for t in card.header.get("tags", []) or []],
        "distribution": distribution,
        "recordSet": record_sets,
    }
    if manifest.get("created"):
        doc["datePublished"] = manifest["created"]
    if manifest.get("platform"):
        doc["description"] += f" Engine platform: {manifest['platform']}."
    return doc


def _parameters(cfg: DatasetConfig) -> dict:
    rows = [{f"{PARAMETERS}/name": key, f"{PARAMETERS}/value": json.dumps(_plain(p.value)),
             f"{PARAMETERS}/units": str(p.units), f"{PARAMETERS}/description": str(p.description)}
            for key, p in cfg.params.items()]
    rows.append({f"{PARAMETERS}/name": "seed", f"{PARAMETERS}/value": json.dumps(int(cfg.seed)),
                 f"{PARAMETERS}/units": "1", f"{PARAMETERS}/description": "dataset seed (shard seeds derive from it)"})
    text = {"name": "parameter name", "value": "value (JSON)", "units": "units", "description": "meaning"}
    return {"@type": "cr:RecordSet", "@id": PARAMETERS, "name": PARAMETERS,
            "description": f"every generator parameter of config {cfg.name!r} with its units, and the dataset seed",
            "field": [{"@type": "cr:Field", "@id": f"{PARAMETERS}/{k}", "name": k, "description": v,
                       "dataType": "sc:Text"} for k, v in text.items()],
            "data": rows}


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def write(path: Path, doc: dict) -> Path:
    """Write ``doc`` (from :func:`build`) atomically to ``path``."""
    write_text_atomic(Path(path), json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    return Path(path)


def _local_path(url: str, base: Path) -> Path:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return Path(unquote(parsed.path))
    if parsed.scheme:
        raise DatasetCorruptError(f"contentUrl {url!r} is not a local file; verify_files checks local files only")
    return base / url


def verify_files(path: Path | str) -> dict[str, str]:
    """Re-hash every file a Croissant JSON-LD lists (``contentUrl`` relative to the file); returns
    ``{contentUrl: sha256}``.  A missing file, another size or another sha256 is a
    :class:`~mdbench.core.errors.DatasetCorruptError` naming the file."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DatasetCorruptError(f"cannot read the Croissant file {path} ({type(exc).__name__})") from None
    out = {}
    for obj in doc.get("distribution", []):
        if obj.get("@type") != "cr:FileObject":
            continue
        file = _local_path(obj["contentUrl"], path.parent)
        if not file.is_file():
            raise DatasetCorruptError(f"{path}: file {obj['contentUrl']} is missing ({file})")
        size = f"{file.stat().st_size} B"
        if "contentSize" in obj and obj["contentSize"] != size:
            raise DatasetCorruptError(f"{path}: {obj['contentUrl']} has {size}, the Croissant file says "
                                      f"{obj['contentSize']}")
        digest = file_sha256(file)
        if digest != obj.get("sha256"):
            raise DatasetCorruptError(f"{path}: sha256 of {obj['contentUrl']} is {digest}, the Croissant file says "
                                      f"{obj.get('sha256')}; regenerate the file (`mdbench data croissant`)")
        out[obj["contentUrl"]] = digest
    return out
