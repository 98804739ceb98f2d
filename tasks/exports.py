"""The work engine's exported entities: everything here is entered by people or generated
from their rules, so all of it is exported but the board files waiting on the import page
(see dataops/portability)."""

from dataops.portability.entities import Derived, Entity
from tasks import models as m

ENTITIES = [
    Entity(m.WorkflowTemplate),
    Entity(m.TemplatePhase),
    Entity(m.TemplateLinkSlot),
    Entity(m.TemplateReference),
    Entity(m.TaskDefinition),
    Entity(m.Workflow),
    Entity(m.WorkflowLinkSlot),
    Entity(m.WorkflowReference),
    Entity(m.Task),
    Entity(m.ProofFile),
    Entity(m.HistoryEvent),
    Entity(m.RecurringRule),
    Entity(m.TemplateSchedule),
    Entity(m.ClosureDay),
    # What an import created, so a restored installation can still roll a batch back.
    Entity(m.ImportBatch),
    Entity(m.ImportBatchItem),
]
DERIVED = [
    Derived(
        m.ImportUpload,
        "board files waiting for approval on the import page: unredacted, kept for hours",
    ),
]
