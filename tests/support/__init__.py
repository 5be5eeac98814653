"""Test support: the official-schema validator and the third-party (`ocpp` library) CSMS."""

from ._csms_process import CsmsProcessError, OcppLibCsms, start_ocpp_lib_csms
from .schemas import OcppSchemaValidator, schema_dir

__all__ = ["CsmsProcessError", "OcppLibCsms", "OcppSchemaValidator", "schema_dir", "start_ocpp_lib_csms"]
