/**
 * The request shapes of the Secrets Manager operations the emulator serves, as the service's Smithy
 * model (`secretsmanager` 2017-10-17, the source of the published API reference) declares them:
 * required members, types, length and range constraints, patterns and enums. Members the model marks
 * `sensitive` (secret values) are never echoed in a message, as the service does.
 *
 * A violation becomes a `ValidationException` in the service's wording:
 * `1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: Member must have length less than or equal to 512`.
 * Unknown members are ignored, as the service does (a newer SDK may send members this model lacks).
 */

/** A shape of the model, reduced to what validation needs. */
export type Shape =
  | { readonly type: "string"; readonly min?: number; readonly max?: number; readonly pattern?: RegExp; readonly enum?: readonly string[]; readonly sensitive?: boolean }
  | { readonly type: "integer" | "long"; readonly min?: number; readonly max?: number }
  | { readonly type: "boolean" }
  | { readonly type: "blob"; readonly min?: number; readonly max?: number; readonly sensitive?: boolean }
  | { readonly type: "list"; readonly member: Shape; readonly min?: number; readonly max?: number }
  | { readonly type: "structure"; readonly members: Readonly<Record<string, Member>> };

/** A member of a structure. */
export interface Member {
  readonly shape: Shape;
  readonly required?: boolean;
}

// Simple shapes, named as in the model.
const SecretIdType: Shape = { type: "string", min: 1, max: 2048 };
const NameType: Shape = { type: "string", min: 1, max: 512 };
const ClientRequestTokenType: Shape = { type: "string", min: 32, max: 64 };
const DescriptionType: Shape = { type: "string", min: 0, max: 2048 };
const KmsKeyIdType: Shape = { type: "string", min: 0, max: 2048 };
const SecretStringType: Shape = { type: "string", min: 1, max: 65536, sensitive: true };
const SecretBinaryType: Shape = { type: "blob", min: 1, max: 65536, sensitive: true };
const SecretVersionIdType: Shape = { type: "string", min: 32, max: 64 };
const SecretVersionStageType: Shape = { type: "string", min: 1, max: 256 };
const SecretVersionStagesType: Shape = { type: "list", member: SecretVersionStageType, min: 1, max: 20 };
const BooleanType: Shape = { type: "boolean" };
const RecoveryWindowInDaysType: Shape = { type: "long" };
const MaxResultsType: Shape = { type: "integer", min: 1, max: 100 };
const NextTokenType: Shape = { type: "string", min: 1, max: 4096 };
const RegionType: Shape = { type: "string", min: 1, max: 128, pattern: /^([a-z]+-)+\d+$/ };
const TagKeyType: Shape = { type: "string", min: 1, max: 128 };
const TagValueType: Shape = { type: "string", min: 0, max: 256 };
const Tag: Shape = { type: "structure", members: { Key: { shape: TagKeyType }, Value: { shape: TagValueType } } };
const TagListType: Shape = { type: "list", member: Tag };
const TagKeyListType: Shape = { type: "list", member: TagKeyType };
const ReplicaRegionType: Shape = { type: "structure", members: { Region: { shape: RegionType }, KmsKeyId: { shape: KmsKeyIdType } } };
const AddReplicaRegionListType: Shape = { type: "list", member: ReplicaRegionType, min: 1 };
const FilterNameStringType: Shape = {
  type: "string",
  enum: ["description", "name", "tag-key", "tag-value", "primary-region", "owning-service", "all"],
};
const FilterValueStringType: Shape = { type: "string", min: 0, max: 512, pattern: /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/ };
const Filter: Shape = {
  type: "structure",
  members: { Key: { shape: FilterNameStringType }, Values: { shape: { type: "list", member: FilterValueStringType, min: 1, max: 10 } } },
};
const FiltersListType: Shape = { type: "list", member: Filter, min: 0, max: 10 };
const SortOrderType: Shape = { type: "string", enum: ["asc", "desc"] };
const SortByType: Shape = { type: "string", enum: ["created-date", "last-accessed-date", "last-changed-date", "name"] };

const secretIdOnly: Shape = { type: "structure", members: { SecretId: { shape: SecretIdType, required: true } } };

/** The input shape of each operation the emulator serves, by operation name. */
export const OPERATION_INPUTS: Readonly<Record<string, Shape>> = {
  CreateSecret: {
    type: "structure",
    members: {
      Name: { shape: NameType, required: true },
      ClientRequestToken: { shape: ClientRequestTokenType },
      Description: { shape: DescriptionType },
      KmsKeyId: { shape: KmsKeyIdType },
      SecretBinary: { shape: SecretBinaryType },
      SecretString: { shape: SecretStringType },
      Tags: { shape: TagListType },
      AddReplicaRegions: { shape: AddReplicaRegionListType },
      ForceOverwriteReplicaSecret: { shape: BooleanType },
    },
  },
  PutSecretValue: {
    type: "structure",
    members: {
      SecretId: { shape: SecretIdType, required: true },
      ClientRequestToken: { shape: ClientRequestTokenType },
      SecretBinary: { shape: SecretBinaryType },
      SecretString: { shape: SecretStringType },
      VersionStages: { shape: SecretVersionStagesType },
    },
  },
  GetSecretValue: {
    type: "structure",
    members: {
      SecretId: { shape: SecretIdType, required: true },
      VersionId: { shape: SecretVersionIdType },
      VersionStage: { shape: SecretVersionStageType },
    },
  },
  DescribeSecret: secretIdOnly,
  DeleteSecret: {
    type: "structure",
    members: {
      SecretId: { shape: SecretIdType, required: true },
      RecoveryWindowInDays: { shape: RecoveryWindowInDaysType },
      ForceDeleteWithoutRecovery: { shape: BooleanType },
    },
  },
  RestoreSecret: secretIdOnly,
  TagResource: {
    type: "structure",
    members: { SecretId: { shape: SecretIdType, required: true }, Tags: { shape: TagListType, required: true } },
  },
  UntagResource: {
    type: "structure",
    members: { SecretId: { shape: SecretIdType, required: true }, TagKeys: { shape: TagKeyListType, required: true } },
  },
  UpdateSecret: {
    type: "structure",
    members: {
      SecretId: { shape: SecretIdType, required: true },
      ClientRequestToken: { shape: ClientRequestTokenType },
      Description: { shape: DescriptionType },
      KmsKeyId: { shape: KmsKeyIdType },
      SecretBinary: { shape: SecretBinaryType },
      SecretString: { shape: SecretStringType },
    },
  },
  ListSecrets: {
    type: "structure",
    members: {
      IncludePlannedDeletion: { shape: BooleanType },
      MaxResults: { shape: MaxResultsType },
      NextToken: { shape: NextTokenType },
      Filters: { shape: FiltersListType },
      SortOrder: { shape: SortOrderType },
      SortBy: { shape: SortByType },
    },
  },
};

/**
 * Checks `input` against `shape` and returns the violations in the service's wording, or an empty
 * list. `path` is the member path as the service prints it (lower camel case, `.N.member` in lists).
 */
export function validateShape(input: unknown, shape: Shape, path = ""): string[] {
  const at = path === "" ? "" : ` at '${path}'`;
  const fail = (constraint: string, shown?: unknown): string[] => [
    `Value${shown === undefined ? "" : ` ${showValue(shown)}`}${at} failed to satisfy constraint: ${constraint}`,
  ];
  switch (shape.type) {
    case "structure": {
      if (!isPlainObject(input)) return fail("Member must be a structure", input);
      const errors: string[] = [];
      for (const [name, member] of Object.entries(shape.members)) {
        const value = input[name];
        const memberPath = path === "" ? lowerFirst(name) : `${path}.${lowerFirst(name)}`;
        if (value === undefined || value === null) {
          if (member.required) errors.push(`Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`);
          continue;
        }
        errors.push(...validateShape(value, member.shape, memberPath));
      }
      return errors;
    }
    case "list": {
      if (!Array.isArray(input)) return fail("Member must be a list", input);
      const errors: string[] = [];
      if (shape.min !== undefined && input.length < shape.min) errors.push(...fail(`Member must have length greater than or equal to ${shape.min}`, input));
      if (shape.max !== undefined && input.length > shape.max) errors.push(...fail(`Member must have length less than or equal to ${shape.max}`, input));
      input.forEach((item, i) => {
        if (item === null || item === undefined) {
          errors.push(`Value null at '${path}.${i + 1}.member' failed to satisfy constraint: Member must not be null`);
        } else {
          errors.push(...validateShape(item, shape.member, `${path}.${i + 1}.member`));
        }
      });
      return errors;
    }
    case "string": {
      const shown = shape.sensitive ? undefined : input;
      if (typeof input !== "string") return fail("Member must be a string", shape.sensitive ? undefined : input);
      const errors: string[] = [];
      if (shape.min !== undefined && input.length < shape.min) errors.push(...fail(`Member must have length greater than or equal to ${shape.min}`, shown));
      if (shape.max !== undefined && input.length > shape.max) errors.push(...fail(`Member must have length less than or equal to ${shape.max}`, shown));
      if (shape.pattern && !shape.pattern.test(input)) errors.push(...fail(`Member must satisfy regular expression pattern: ${shape.pattern.source}`, shown));
      if (shape.enum && !shape.enum.includes(input)) errors.push(...fail(`Member must satisfy enum value set: [${shape.enum.join(", ")}]`, shown));
      return errors;
    }
    case "integer":
    case "long": {
      if (typeof input !== "number" || !Number.isInteger(input)) return fail(`Member must be an ${shape.type === "long" ? "integer (long)" : "integer"}`, input);
      const errors: string[] = [];
      if (shape.min !== undefined && input < shape.min) errors.push(...fail(`Member must have value greater than or equal to ${shape.min}`, input));
      if (shape.max !== undefined && input > shape.max) errors.push(...fail(`Member must have value less than or equal to ${shape.max}`, input));
      return errors;
    }
    case "boolean":
      return typeof input === "boolean" ? [] : fail("Member must be a boolean", input);
    case "blob": {
      // JSON carries blobs as base64 text.
      if (typeof input !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(input) || input.length % 4 !== 0) {
        return fail("Member must be a base64-encoded blob");
      }
      const bytes = Buffer.from(input, "base64").length;
      const errors: string[] = [];
      if (shape.min !== undefined && bytes < shape.min) errors.push(...fail(`Member must have length greater than or equal to ${shape.min}`));
      if (shape.max !== undefined && bytes > shape.max) errors.push(...fail(`Member must have length less than or equal to ${shape.max}`));
      return errors;
    }
  }
}

/** The service's message for a list of violations. */
export function validationMessage(errors: readonly string[]): string {
  return `${errors.length} validation error${errors.length === 1 ? "" : "s"} detected: ${errors.join("; ")}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function lowerFirst(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** A value as a validation message shows it: quoted, cut to 100 characters. */
function showValue(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return `'${text.length > 100 ? `${text.slice(0, 100)}...` : text}'`;
}
