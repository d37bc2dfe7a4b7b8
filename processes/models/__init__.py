"""Permit-domain tables. They share the engine's metadata so one transaction covers both."""

from .delivery import NotificationDelivery
from .entry import SpaceEntry
from .evidence import GasReading, PermitApproval, SignIn, Upload, WorkBreak
from .notification import Notification
from .people import Certificate, CertificateType, Organization, Person
from .permit import Permit, PermitCounter, PermitWorker
from .plant import Area, Site
from .supervision import PreWorkCheck, PreWorkMemo, Watch, WatcherHandover

__all__ = [
    "Area", "Certificate", "CertificateType", "GasReading", "Notification", "Organization",
    "Permit",
    "PermitApproval", "PermitCounter", "PermitWorker", "Person", "SignIn", "Site", "Upload",
    "WorkBreak",
    "NotificationDelivery", "PreWorkCheck", "PreWorkMemo", "Watch", "WatcherHandover",
    "SpaceEntry",
]
