"""Permit-domain tables. They share the engine's metadata so one transaction covers both."""

from .analytics import (
    ComplianceMiss,
    ComplianceSnapshot,
    ReportJob,
    SafetyIncident,
    WorkerRating,
)
from .evidence import GasReading, PermitApproval, SignIn, Upload, WorkBreak
from .notification import Notification
from .people import Certificate, CertificateType, Organization, Person
from .permit import Permit, PermitCounter, PermitWorker
from .plant import Area, Site

__all__ = [
    "Area", "Certificate", "CertificateType", "GasReading", "Notification", "Organization",
    "Permit",
    "PermitApproval", "PermitCounter", "PermitWorker", "Person", "SignIn", "Site", "Upload",
    "WorkBreak",
    # analytics
    "ComplianceMiss", "ComplianceSnapshot", "ReportJob", "SafetyIncident", "WorkerRating",
]
