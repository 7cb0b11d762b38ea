"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

_PROBLEM = {
    "type": "object",
    "required": ["entry", "field", "message"],
    "properties": {
        "entry": {"type": "integer", "nullable": True, "description": "Index in 'marks' (0-based)"},
        "field": {"type": "string", "nullable": True},
        "message": {"type": "string"},
    },
}
_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "problems": {"type": "array", "items": _PROBLEM}},
}


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ERROR}}}


OPENAPI = {
    "openapi": "3.0.3",
    "info": {
        "title": "Turnout API",
        "version": "1.0.0",
        "description": "Feed a school's attendance register from its MIS. A request is all or nothing: "
        "if any mark is wrong, none is written and every problem is listed.",
        "license": {"name": "AGPL-3.0-or-later"},
    },
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {
            "schoolToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "A per-school token created by the school lead under 'Staff and access'.",
            }
        }
    },
    "paths": {
        "/schools/{urn}/marks": {
            "post": {
                "operationId": "postMarks",
                "summary": "Record register marks for one school",
                "description": "A mark already held with the same code is a no-op; a different code becomes an "
                "amendment that keeps the original, with the given reason.",
                "security": [{"schoolToken": []}],
                "parameters": [
                    {
                        "name": "urn",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 100000, "maximum": 999999},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["marks"],
                                "additionalProperties": False,
                                "properties": {
                                    "reason": {
                                        "type": "string",
                                        "maxLength": 500,
                                        "description": "Reason recorded on amendments (plain text)",
                                    },
                                    "marks": {
                                        "type": "array",
                                        "minItems": 1,
                                        "maxItems": 200000,
                                        "items": {
                                            "type": "object",
                                            "required": ["upn", "date", "session", "code"],
                                            "additionalProperties": False,
                                            "properties": {
                                                "upn": {"type": "string", "example": "B801200005001"},
                                                "date": {"type": "string", "format": "date"},
                                                "session": {"type": "string", "enum": ["AM", "PM"]},
                                                "code": {"type": "string", "maxLength": 2, "example": "/"},
                                                "minutes_late": {
                                                    "type": "integer",
                                                    "minimum": 1,
                                                    "maximum": 300,
                                                    "nullable": True,
                                                },
                                            },
                                        },
                                    },
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "Every mark was recorded",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["received", "new", "amended", "unchanged", "batch"],
                                    "properties": {
                                        "received": {"type": "integer"},
                                        "new": {"type": "integer"},
                                        "amended": {"type": "integer"},
                                        "unchanged": {"type": "integer"},
                                        "batch": {"type": "integer"},
                                    },
                                }
                            }
                        },
                    },
                    "400": _error("Refused; nothing was written"),
                    "401": _error("No bearer token"),
                    "404": _error("No school with this URN accepts this token (or no such path)"),
                    "413": _error("The body is larger than the server accepts (64 MiB); nothing was written"),
                    "415": _error("The body is not JSON"),
                    "503": _error("The database was out of reach; send the same request again later"),
                },
            }
        }
    },
}
