// fieldguard's core: the public names, nothing else.
export { FieldguardError, type ErrorBody, type ErrorCode, type Issue } from './errors.js';
export {
  SENSITIVITIES,
  KINDS,
  LAWFUL_BASES,
  rank,
  type FieldTag,
  type Kind,
  type LawfulBasis,
  type Sensitivity,
  type TagExtra,
} from './schema/tags.js';
export { tag, registry } from './schema/registry.js';
export { defineSchema, isFieldSchema, type DefineSchemaOptions, type FieldEntry, type FieldSchema } from './schema/define.js';
export {
  compilePlan,
  compileScrub,
  compileMask,
  compileTokenize,
  compileDetokenize,
  DEFAULT_ALLOW,
  type Plan,
  type AsyncPlan,
  type ScrubPlanOptions,
  type MaskPlanOptions,
  type TokenizePlanOptions,
  type DetokenizePlanOptions,
} from './plan/api.js';
export type { Action, MaskFormats, PlanOptions, Rule, UntaggedMode, LeafAction } from './plan/compile.js';
export type { Selection } from './plan/select.js';
export type { PlanContext, PlanResult, Report, ReportField } from './plan/walk.js';
export type { AuditEvent, AuditSink } from './vault/audit.js';
export { defaultMask, REDACTED, type MaskContext, type MaskFn } from './mask/formats.js';
export type { ScrubOptions } from './middleware/scrub.js';
export type { CommonOptions } from './middleware/config.js';
export type { MaskOptions } from './middleware/mask.js';
export { detect, redactText, FINDING_KINDS, type Finding, type FindingKind, type DetectOptions, type RedactTextOptions } from './detect/detect.js';
export { redactor, WITHHELD, type Redactor, type RedactorOptions, type Censor } from './log/redactor.js';
export {
  defineDestinations,
  EEA,
  type Destination,
  type DestinationDeclaration,
  type Destinations,
  type PolicyAction,
  type Transfer,
} from './destinations/define.js';
export { flows, type FlowSnapshot, type DestinationFlows, type FlowField, type FlowForm } from './destinations/flows.js';
export type { Suspension, SuspensionEvent } from './destinations/define.js';
export {
  createMonitor,
  memoryMonitorStore,
  redisMonitorStore,
  SIGNALS,
  type Alert,
  type Monitor,
  type MonitorOptions,
  type MonitorAuditEvent,
  type MonitorSnapshot,
  type MonitorStore,
  type Severity,
  type SignalName,
  type SignalOptions,
  type Honeytoken,
  type HoneytokenOptions,
} from './monitor/index.js';
