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
export type { DefaultAllow, DefaultSelect, DestinationName, KindOf, Masked, Outbound, ReportPath, Scrubbed, TagMark, Tagged, Tokenized } from './schema/types.js';
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
export { applyPlanText, type PlanText } from './plan/text.js';
export type { AuditEvent, AuditSink } from './vault/audit.js';
export { defaultMask, REDACTED, type MaskContext, type MaskFn } from './mask/formats.js';
export type { ScrubOptions } from './middleware/scrub.js';
export type { CommonOptions } from './middleware/config.js';
export type { MaskOptions } from './middleware/mask.js';
export { detect, redactText, mayHoldFinding, FINDING_KINDS, type Finding, type FindingKind, type DetectOptions, type RedactTextOptions } from './detect/detect.js';
export { redactor, WITHHELD, type Redactor, type RedactorOptions, type Censor } from './log/redactor.js';
export {
  defineDestinations,
  EEA,
  type Destination,
  type DestinationDeclaration,
  type Destinations,
  type PolicyAction,
  type PolicyActionWithOptions,
  type Transfer,
} from './destinations/define.js';
export { flows, type FlowSnapshot, type DestinationFlows, type FlowField, type FlowForm } from './destinations/flows.js';
export type { GeneralizeOptions, DateGrain } from './techniques/generalize.js';
export type { ShiftDatesOptions } from './techniques/shift-dates.js';
export type { TechniqueOptions } from './techniques/leaf.js';
export { assessRisk, type RiskOptions, type RiskReport, type RiskDriver, type ClassSize } from './techniques/risk.js';
export { anonymize, type AnonymizeOptions, type AnonymizeReport, type AnonymizeResult, type AnonymizedField } from './techniques/anonymize.js';
export { privacyBudget, zcdpToEpsilon, type PrivacyBudget, type PrivacyBudgetOptions, type BudgetSpent, type DpRecord, type DpQuery, type DpNumericQuery } from './techniques/budget.js';
export type { RandomSource } from './techniques/dp-noise.js';
export type { FpeFormat, FpeOptions, FpeStyle } from './techniques/fpe.js';
export type { DpTelemetryOptions, TelemetryEvent, TelemetryMetric, TelemetryRelease, TelemetryControl } from './middleware/telemetry.js';
export { proxyBody } from './middleware/proxy-body.js';
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
