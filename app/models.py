"""Import every model module so Base.metadata knows all tables (migrations, tests)."""

from app.auth import models as auth_models
from app.registers import models as register_models
from jobs import models as job_models
from tenants import models as tenant_models

__all__ = ["auth_models", "job_models", "register_models", "tenant_models"]
