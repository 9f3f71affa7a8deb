"""OpenAPI descriptions of what the GeoJSON endpoints answer (the write serializers describe
only what they accept): a Feature, a page of Features, and the decorator that gives a viewset's
operations those responses; the `lang` parameter every operation takes."""

from drf_spectacular.utils import extend_schema, extend_schema_view

GEOMETRY = {
    "type": "object",
    "nullable": True,
    "description": "GeoJSON geometry in WGS 84, [longitude, latitude]; null when it has none",
    "properties": {
        "type": {"type": "string"},
        "coordinates": {"type": "array", "items": {}},
    },
    "required": ["type"],
}


def feature(description: str) -> dict:
    return {
        "type": "object",
        "description": description,
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"description": "the item's id"},
            "geometry": GEOMETRY,
            "properties": {"type": "object", "additionalProperties": True},
        },
        "required": ["type", "geometry", "properties"],
    }


def collection(features: dict, *, paged: bool = True) -> dict:
    """A FeatureCollection of `features` (an array schema), with its licence and, when `paged`,
    the links to the next and first pages (the paginators' response schema)."""
    properties = {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": features,
        "attribution": {"type": "string"},
        "license": {"type": "string", "format": "uri"},
        "search": {
            "type": "object",
            "description": "where a radius search was centred (near=…)",
            "additionalProperties": True,
        },
    }
    if paged:
        properties["next"] = {"type": "string", "nullable": True, "format": "uri"}
        properties["first"] = {"type": "string", "nullable": True, "format": "uri"}
        properties["stopped"] = {
            "type": "object",
            "description": "radius results stop at the nearest rows: how many, and why",
            "properties": {"rows": {"type": "integer"}, "detail": {"type": "string"}},
        }
    return {"type": "object", "properties": properties, "required": ["type", "features"]}


def geojson_operations(description: str, *, actions=(), **extra):
    """extend_schema_view for a viewset whose operations answer GeoJSON Features: every
    operation (and each of `actions`) one Feature; its list is a FeatureCollection of them, as
    the viewset's pagination class describes it. `extra`: further extend_schema arguments per
    operation (parameters, say)."""
    item = feature(description)
    operations = {
        # A dict under a status code is taken as the response's schema as it stands (for the
        # list, as the schema of one item, which the pagination class wraps).
        "list": {"responses": {200: item}},
        "retrieve": {"responses": {200: item}},
        "create": {"responses": {201: item}},
        "update": {"responses": {200: item}},
        "partial_update": {"responses": {200: item}},
        **{action: {"responses": {200: item}} for action in actions},
    }
    for name, arguments in extra.items():
        operations[name] = {**operations.get(name, {}), **arguments}
    return extend_schema_view(**{name: extend_schema(**a) for name, a in operations.items()})


LANGUAGE = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": "The language of the answer's messages: th (also without it) or en",
    "schema": {"type": "string", "enum": ["th", "en"]},
}
METHODS = {"get", "post", "put", "patch", "delete"}


def language_on_every_operation(result, generator, request, public):
    """A postprocessing hook: common.middleware.ApiLanguageMiddleware reads `lang` for every
    operation, so each says so."""
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in METHODS:
                operation.setdefault("parameters", []).append(LANGUAGE)
    return result
