"""Import every model module so Base.metadata knows all tables (migrations, tests)."""

from app.api import models as api_models
from app.audit import models as audit_models
from app.auth import models as auth_models
from app.calendars import models as calendar_models
from app.calls import models as call_models
from app.flags import models as flag_models
from app.interventions import models as intervention_models
from app.letters import models as letter_models
from app.registers import marks as mark_models
from app.registers import models as register_models
from app.returns import models as return_models
from app.reviews import models as review_models
from app.workflow import models as workflow_models
from jobs import models as job_models
from tenants import models as tenant_models

__all__ = [
    "api_models",
    "audit_models",
    "auth_models",
    "calendar_models",
    "call_models",
    "flag_models",
    "intervention_models",
    "job_models",
    "letter_models",
    "mark_models",
    "register_models",
    "return_models",
    "review_models",
    "tenant_models",
    "workflow_models",
]
