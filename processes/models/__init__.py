"""Permit-domain tables. They share the engine's metadata so one transaction covers both."""

from .accounts import ApiToken, LoginLock, LoginSession
from .analytics import (
    ComplianceMiss,
    ComplianceSnapshot,
    ReportJob,
    SafetyIncident,
    WorkerRating,
)
from .consent import PersonalDataConsent
from .delivery import NotificationDelivery
from .entry import SpaceEntry
from .evidence import GasReading, PermitApproval, SignIn, Upload, WorkBreak
from .group import LegalEntity
from .holds import PermitHold, ThresholdSetting
from .notification import Notification
from .people import Certificate, CertificateType, Organization, Person
from .permit import Permit, PermitCounter, PermitWorker
from .plant import Area, Site
from .qualification import AccessCode, CertificateAlert, Equipment, WatcherRating
from .supervision import PreWorkCheck, PreWorkMemo, Watch, WatcherHandover

__all__ = [
    "ApiToken", "LoginLock", "LoginSession",
    "AccessCode", "Area", "Certificate", "CertificateAlert", "CertificateType", "Equipment",
    "GasReading", "LegalEntity", "Notification", "Organization",
    "Permit",
    "PermitApproval", "PermitCounter", "PermitHold", "PermitWorker", "Person", "SignIn",
    "Site", "ThresholdSetting", "Upload", "WatcherRating",
    "WorkBreak",
    "NotificationDelivery", "PreWorkCheck", "PreWorkMemo", "Watch", "WatcherHandover",
    "SpaceEntry", "PersonalDataConsent",
    # analytics
    "ComplianceMiss", "ComplianceSnapshot", "ReportJob", "SafetyIncident", "WorkerRating",
]
