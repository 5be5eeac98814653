"""Who may charge without asking the CSMS (OCPP 2.0.1 C10-C15, D01-D02): the Local Authorization
List (SendLocalList / GetLocalListVersion), the Authorization Cache (idTokenInfo of every answer,
ClearCache) and the device-model switches deciding when they are used."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from fleet.ocpp import v201
from fleet.station._device_model import DeviceModel

CACHE_LIMIT = 1000  # entries kept; beyond it the least recently stored goes (AuthCacheCtrlr.Policy LRU)
TokenKey = tuple[str, str]  # (idToken, type)


def key_of(token: v201.IdToken) -> TokenKey:
    return (token.id_token, token.type)


def _valid(info: v201.IdTokenInfo | None, at: datetime) -> bool:
    if info is None or info.status != "Accepted":
        return False
    expiry = info.cache_expiry_date_time
    return isinstance(expiry, msgspec.UnsetType) or expiry > at


class LocalAuthorization:
    def __init__(self, model: DeviceModel) -> None:
        self._model = model
        self.local_list: dict[TokenKey, v201.IdTokenInfo] = {}
        self.list_version = 0
        self.cache: dict[TokenKey, tuple[v201.IdTokenInfo, datetime]] = {}  # info, when stored

    def _flag(self, component: str, variable: str, default: bool) -> bool:
        return self._model.get_bool(component, variable, default)

    # --- what the station may decide alone ---------------------------------------------------

    def known(self, token: v201.IdToken, at: datetime) -> v201.IdTokenInfo | None:
        """The local list wins over the cache (C14); cache entries older than LifeTime are gone."""
        key = key_of(token)
        if self._flag("LocalAuthListCtrlr", "Enabled", True) and key in self.local_list:
            return self.local_list[key]
        if not self._flag("AuthCacheCtrlr", "Enabled", True) or key not in self.cache:
            return None
        info, stored_at = self.cache[key]
        lifetime = self._model.get_int("AuthCacheCtrlr", "LifeTime", 86_400)
        if lifetime > 0 and at - stored_at >= timedelta(seconds=lifetime):
            del self.cache[key]
            return None
        return info

    def pre_authorized(self, token: v201.IdToken, at: datetime) -> bool:
        """Online with LocalPreAuthorize: a valid local entry starts the session at once (C10)."""
        return self._flag("AuthCtrlr", "LocalPreAuthorize", False) and _valid(self.known(token, at), at)

    def offline_allows(self, token: v201.IdToken, at: datetime) -> bool:
        """Offline: a valid local entry when LocalAuthorizeOffline (C12), any unknown token when
        OfflineTxForUnknownIdEnabled (C15); a token known as invalid is always refused."""
        info = self.known(token, at)
        if info is not None:
            return self._flag("AuthCtrlr", "LocalAuthorizeOffline", True) and _valid(info, at)
        return self._flag("AuthCtrlr", "OfflineTxForUnknownIdEnabled", True)

    # --- what the CSMS tells us ---------------------------------------------------------------

    def remember(self, token: v201.IdToken, info: v201.IdTokenInfo, at: datetime) -> None:
        """idTokenInfo from Authorize / TransactionEvent answers: cached, unless the token is on
        the local list (C13: the list is the authority for its tokens)."""
        key = key_of(token)
        if not self._flag("AuthCacheCtrlr", "Enabled", True) or key in self.local_list:
            return
        self.cache.pop(key, None)
        self.cache[key] = (info, at)
        if len(self.cache) > CACHE_LIMIT:
            del self.cache[next(iter(self.cache))]

    def clear_cache(self) -> v201.ClearCacheResponse:
        if not self._flag("AuthCacheCtrlr", "Enabled", True):
            info = v201.StatusInfo(reason_code="Disabled", additional_info="AuthCacheCtrlr.Enabled is false")
            return v201.ClearCacheResponse(status="Rejected", status_info=info)
        self.cache.clear()
        return v201.ClearCacheResponse(status="Accepted")

    def version(self) -> int:
        """0: no list installed (D02.FR.02), and also while the list is disabled."""
        return self.list_version if self._flag("LocalAuthListCtrlr", "Enabled", True) else 0

    def send_local_list(self, request: v201.SendLocalListRequest) -> v201.SendLocalListResponse:
        def failed(reason: str, text: str) -> v201.SendLocalListResponse:
            info = v201.StatusInfo(reason_code=reason, additional_info=text)
            return v201.SendLocalListResponse(status="Failed", status_info=info)

        if not self._flag("LocalAuthListCtrlr", "Enabled", True):
            return failed("Disabled", "LocalAuthListCtrlr.Enabled is false")
        entries = (
            []
            if isinstance(request.local_authorization_list, msgspec.UnsetType)
            else request.local_authorization_list
        )
        if request.update_type == "Full":
            updated = {
                key_of(entry.id_token): entry.id_token_info
                for entry in entries
                if not isinstance(entry.id_token_info, msgspec.UnsetType)
            }
        else:
            if request.version_number <= self.list_version:
                return v201.SendLocalListResponse(
                    status="VersionMismatch",
                    status_info=v201.StatusInfo(
                        reason_code="VersionMismatch",
                        additional_info=f"the list is at version {self.list_version}: a differential "
                        "update needs a higher versionNumber (or send a Full list)",
                    ),
                )
            updated = dict(self.local_list)
            for entry in entries:
                if isinstance(entry.id_token_info, msgspec.UnsetType):
                    updated.pop(key_of(entry.id_token), None)  # an entry without idTokenInfo goes
                else:
                    updated[key_of(entry.id_token)] = entry.id_token_info
        self.local_list = updated
        self.list_version = request.version_number
        for key in updated:
            self.cache.pop(key, None)
        self._model.set_actual("LocalAuthListCtrlr", "Entries", str(len(updated)))
        return v201.SendLocalListResponse(status="Accepted")
