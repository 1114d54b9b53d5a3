"""croissant.json: Croissant 1.0 metadata of a release (http://mlcommons.org/croissant/1.0).

Every Parquet file is a FileObject with its sha256; each table is a FileSet (its split
files) and a RecordSet whose fields are the table's columns, typed from the same
Arrow schema the files were written with. Paths are relative to the release folder.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from newsclaims.release.tables import table_specs

CONFORMS_TO = "http://mlcommons.org/croissant/1.0"
CONTEXT: dict[str, Any] = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "cr": "http://mlcommons.org/croissant/",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "samplingRate": "cr:samplingRate",
    "equivalentProperty": "cr:equivalentProperty",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
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
    "sc": "https://schema.org/",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
}
PARQUET = "application/x-parquet"


def data_type(kind: pa.DataType) -> str:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_list(kind):
        kind = kind.value_type
    if pa.types.is_integer(kind):
        return "sc:Integer"
    if pa.types.is_floating(kind):
        return "sc:Float"
    if pa.types.is_boolean(kind):
        return "sc:Boolean"
    if pa.types.is_date(kind):
        return "sc:Date"
    if pa.types.is_timestamp(kind):
        return "sc:DateTime"
    return "sc:Text"


def croissant(manifest: dict[str, Any]) -> dict[str, Any]:
    """The Croissant document of a release from its manifest (files, rows, tables)."""
    specs = table_specs()
    sha = {f["path"]: f["sha256"] for f in manifest["files"]}
    distribution: list[dict[str, Any]] = []
    record_sets: list[dict[str, Any]] = []
    for name, info in manifest["tables"].items():
        for split, path in info["files"].items():
            distribution.append({
                "@type": "cr:FileObject", "@id": path, "name": path,
                "description": f"{name}, {split} split, {info['rows'][split]} rows",
                "contentUrl": path, "encodingFormat": PARQUET, "sha256": sha[path],
            })
        distribution.append({
            "@type": "cr:FileSet", "@id": f"{name}-files", "name": f"{name}-files",
            "description": f"The Parquet files of table {name}, one per split.",
            "encodingFormat": PARQUET, "includes": f"{name}/*.parquet",
        })
        fields = []
        for field in specs[name].schema:
            entry: dict[str, Any] = {
                "@type": "cr:Field", "@id": f"{name}/{field.name}", "name": field.name,
                "dataType": data_type(field.type),
                "source": {"fileSet": {"@id": f"{name}-files"},
                           "extract": {"column": field.name}},
            }
            if pa.types.is_list(field.type):
                entry["repeated"] = True
            fields.append(entry)
        record_sets.append({
            "@type": "cr:RecordSet", "@id": name, "name": name,
            "description": specs[name].description, "field": fields,
        })
    return {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "name": manifest["name"],
        "description": (
            "Claims in news articles with their attribution (source, cue, quote type, "
            "certainty) and OntoNotes 5 named entities, annotated in Label Studio."
        ),
        "conformsTo": CONFORMS_TO,
        "citeAs": f"newsclaims {manifest['version']}",
        "datePublished": manifest["created"][:10],
        "license": "other",
        "url": "https://newsclaims.dev/",
        "version": manifest["version"],
        "distribution": distribution,
        "recordSet": record_sets,
    }


def write_croissant(folder: Path, manifest: dict[str, Any]) -> None:
    document = croissant(manifest)
    (folder / "croissant.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
