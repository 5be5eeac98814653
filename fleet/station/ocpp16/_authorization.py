"""Who may charge without asking the CSMS: the Local Authorization List (SendLocalList) and the
Authorization Cache (idTagInfo of every answer), and the 1.6 rules for using them (3.5, 5.16)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from fleet.ocpp import v16
from fleet.ocpp.v16 import IdTagInfo
from fleet.station.ocpp16._configuration import Settings16

CACHE_LIMIT = 1000  # cache entries kept; the oldest entry goes first beyond it


def _valid(info: IdTagInfo | None, at: datetime) -> bool:
    if info is None or info.status != "Accepted":
        return False
    return isinstance(info.expiry_date, msgspec.UnsetType) or info.expiry_date > at


class Authorizations:
    def __init__(self, settings: Settings16) -> None:
        self._settings = settings
        self.local_list: dict[str, IdTagInfo] = {}
        self.list_version = 0
        self.cache: dict[str, IdTagInfo] = {}

    # --- what the station may decide alone ---------------------------------------------------

    def known(self, id_tag: str) -> IdTagInfo | None:
        """The local list wins over the cache (1.6 3.5.3)."""
        if self._settings.flag("LocalAuthListEnabled") and id_tag in self.local_list:
            return self.local_list[id_tag]
        if self._settings.flag("AuthorizationCacheEnabled"):
            return self.cache.get(id_tag)
        return None

    def pre_authorized(self, id_tag: str, at: datetime) -> bool:
        """Online with LocalPreAuthorize: a valid local entry starts the session at once."""
        return self._settings.flag("LocalPreAuthorize") and _valid(self.known(id_tag), at)

    def offline_decision(self, id_tag: str, at: datetime) -> bool:
        """Offline: a valid local entry (LocalAuthorizeOffline), or any unknown tag when
        AllowOfflineTxForUnknownId; a tag known as invalid is always refused."""
        info = self.known(id_tag)
        if info is not None:
            return self._settings.flag("LocalAuthorizeOffline") and _valid(info, at)
        return self._settings.flag("AllowOfflineTxForUnknownId")

    # --- what the CSMS tells us ---------------------------------------------------------------

    def remember(self, id_tag: str, info: IdTagInfo) -> None:
        """idTagInfo from Authorize/StartTransaction/StopTransaction: cached (not for list tags)."""
        if not self._settings.flag("AuthorizationCacheEnabled") or id_tag in self.local_list:
            return
        self.cache.pop(id_tag, None)
        self.cache[id_tag] = info
        if len(self.cache) > CACHE_LIMIT:
            del self.cache[next(iter(self.cache))]

    def clear_cache(self) -> v16.ClearCacheStatusEnum:
        if not self._settings.flag("AuthorizationCacheEnabled"):
            return "Rejected"
        self.cache.clear()
        return "Accepted"

    def list_version_reported(self) -> int:
        """-1: no local list support (disabled); 0: no list installed."""
        return self.list_version if self._settings.flag("LocalAuthListEnabled") else -1

    def send_local_list(self, request: v16.SendLocalListRequest) -> v16.SendLocalListStatusEnum:
        if not self._settings.flag("LocalAuthListEnabled"):
            return "NotSupported"
        entries = (
            []
            if isinstance(request.local_authorization_list, msgspec.UnsetType)
            else (request.local_authorization_list)
        )
        if len(entries) > self._settings.keys.get_int("SendLocalListMaxLength"):
            return "Failed"
        if request.update_type == "Full":
            updated = {
                entry.id_tag: entry.id_tag_info
                for entry in entries
                if not isinstance(entry.id_tag_info, msgspec.UnsetType)
            }
        else:
            if request.list_version <= self.list_version:
                return "VersionMismatch"
            updated = dict(self.local_list)
            for entry in entries:
                if isinstance(entry.id_tag_info, msgspec.UnsetType):
                    updated.pop(entry.id_tag, None)  # an entry without idTagInfo is removed
                else:
                    updated[entry.id_tag] = entry.id_tag_info
        if len(updated) > self._settings.keys.get_int("LocalAuthListMaxLength"):
            return "Failed"
        self.local_list = updated
        self.list_version = request.list_version
        for id_tag in updated:
            self.cache.pop(id_tag, None)
        return "Accepted"
