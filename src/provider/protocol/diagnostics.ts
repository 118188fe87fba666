/**
 * Diagnostics and attribute paths in their tfplugin6 message shapes, and the diagnostics the protocol
 * layer raises itself (a thrown error, a type the provider does not have).
 */
import type { AttributePath, Diagnostic } from "./types";

/** `tfplugin6.Diagnostic.Severity`. */
const SEVERITY = { error: 1, warning: 2 } as const;

/** One step of a `tfplugin6.AttributePath`: exactly one of the three fields is set. */
export type PathStep = { attribute_name: string } | { element_key_string: string } | { element_key_int: number };

/** `tfplugin6.Diagnostic` as a plain object for protobuf encoding. */
export interface DiagnosticMessage {
  severity: number;
  summary: string;
  detail: string;
  attribute?: { steps: PathStep[] };
}

/**
 * A path as Terraform expects it: the first string names an attribute, later strings are map keys
 * and numbers are list indexes.
 */
export function pathMessage(path: AttributePath): { steps: PathStep[] } {
  return {
    steps: path.map((step, i): PathStep => {
      if (typeof step === "number") return { element_key_int: step };
      return i === 0 ? { attribute_name: step } : { element_key_string: step };
    }),
  };
}

export function diagnosticMessage(diagnostic: Diagnostic): DiagnosticMessage {
  const message: DiagnosticMessage = { severity: SEVERITY[diagnostic.severity], summary: diagnostic.summary, detail: diagnostic.detail ?? "" };
  if (diagnostic.attribute && diagnostic.attribute.length > 0) message.attribute = pathMessage(diagnostic.attribute);
  return message;
}

export const diagnosticMessages = (diagnostics: readonly Diagnostic[] | undefined): DiagnosticMessage[] => (diagnostics ?? []).map(diagnosticMessage);

/** A thrown error as an error diagnostic: its message only, never its stack. */
export function errorDiagnostic(error: unknown): Diagnostic {
  const message = error instanceof Error ? error.message : String(error);
  return { severity: "error", summary: message || "The provider failed without an error message" };
}

/** Terraform asked for a resource type this provider does not serve. */
export function unknownTypeDiagnostic(kind: string, typeName: string, known: readonly string[]): Diagnostic {
  const has = known.length > 0 ? `It has: ${known.join(", ")}.` : `It has no ${kind}s.`;
  return {
    severity: "error",
    summary: `Unknown ${kind} type "${typeName}"`,
    detail: `This provider has no ${kind} type "${typeName}". ${has} Check the type name in the configuration, or use the provider version that has it.`,
  };
}

/** An RPC this provider does not implement (moving state across types, functions, ...). */
export function unsupportedDiagnostic(what: string, detail: string): Diagnostic {
  return { severity: "error", summary: `${what} is not supported by this provider`, detail };
}
