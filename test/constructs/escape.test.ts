import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DataResource, Lazy, TerraformOutput, TerraformStack, Testing, Token } from "cdktf";
import { escapeTemplate, escapeTemplates } from "../../src/constructs/escape";
import { testApp } from "./fixtures";

/** Strings Terraform would read as templates, and neighbours of the escape sequences. */
const TRICKY = [
  '${file("/etc/hostname")} %{ if true }x%{ endif }',
  "${path.cwd}",
  "%{ for x in [1] }${x}%{ endfor }",
  "$${already escaped} %%{ already }",
  "$$${x}",
  "${",
  "%{",
  "$",
  "%",
  "$$",
  "}",
  "${}",
  "a ${ b",
  "\\${x}",
  "line\n${x}\ttab",
  "ünïcödé ${ẋ} 🔑",
  "",
];

describe("escapeTemplate", () => {
  test.each([
    ['${file("/etc/hostname")}', '$${file("/etc/hostname")}'],
    ["%{ if true }x%{ endif }", "%%{ if true }x%%{ endif }"],
    ["$${x}", "$$${x}"],
    ["plain text, $5 and 100% {braces}", "plain text, $5 and 100% {braces}"],
    ["", ""],
  ])("%j becomes %j", (input, expected) => {
    expect(escapeTemplate(input)).toBe(expected);
  });

  test("a token is left untouched", () => {
    const token = Token.asString(Lazy.stringValue({ produce: () => "x" }));
    expect(Token.isUnresolved(token)).toBe(true);
    expect(escapeTemplate(token)).toBe(token);
  });

  test("a string mixing text and tokens escapes the text and keeps the references, when synthesized", () => {
    // GIVEN a reference, inside strings with template sequences around it
    const stack = new TerraformStack(testApp(), "s");
    const ref = new DataResource(stack, "a", { input: anyValue("hello") }).output;
    const refText = Token.asString(ref);

    // WHEN
    new DataResource(stack, "b", {
      input: {
        before: escapeTemplate("${x} %{y} " + refText),
        around: escapeTemplate("a${" + refText + "}"), // a `${` that cdktf's own escape scanner would take as an expression
        after: escapeTemplate(refText + " ${"),
        whole: escapeTemplate(refText),
      },
    });

    // THEN
    const input = JSON.parse(Testing.synth(stack)).resource.terraform_data.b.input;
    expect(input).toEqual({
      before: "$${x} %%{y} ${terraform_data.a.output}",
      around: "a$${${terraform_data.a.output}}",
      after: "${terraform_data.a.output} $${",
      whole: "${terraform_data.a.output}",
    });
  });
});

describe("escapeTemplates", () => {
  test("escapes every string of a JSON value, keys included, and keeps other values", () => {
    const value = { "${k}": ["%{x}", 1, true, null, { nested: "${y}" }], n: 2.5, plain: "a" };
    expect(escapeTemplates(value)).toEqual({ "$${k}": ["%%{x}", 1, true, null, { nested: "$${y}" }], n: 2.5, plain: "a" });
    expect(value["${k}"][0]).toBe("%{x}"); // the input is not changed
  });

  test("leaves tokens standing for a whole list, map or number alone", () => {
    const list = Token.asList(Lazy.anyValue({ produce: () => ["${x}"] }));
    const num = Token.asNumber(Lazy.numberValue({ produce: () => 1 }));
    const lazy = Lazy.anyValue({ produce: () => ({ a: "${x}" }) });
    expect(escapeTemplates({ list, num, lazy })).toEqual({ list, num, lazy });
  });
});

describe("Terraform takes escaped values literally (real terraform binary)", () => {
  test("plain strings, as values and as keys", () => {
    // GIVEN every tricky string as a value and as a key of one terraform_data input
    const input = escapeTemplates({ values: TRICKY, keyed: Object.fromEntries(TRICKY.map((s, i) => [s, String(i)])) });

    // WHEN
    const output = applyAndOutput({
      resource: { terraform_data: { x: { input } } },
      output: { o: { value: "${terraform_data.x.output}" } },
    });

    // THEN
    expect(output.values).toEqual(TRICKY);
    expect(output.keyed).toEqual(Object.fromEntries(TRICKY.map((s, i) => [s, String(i)])));
  });

  test("strings mixing text and references, synthesized by cdktf", () => {
    // GIVEN a stack whose second resource mixes template-looking text with a reference to the first
    const stack = new TerraformStack(testApp(), "s");
    const first = new DataResource(stack, "a", { input: anyValue(escapeTemplate("${path.cwd} %{ if true }yes%{ endif }")) });
    const ref = Token.asString(first.output);
    const second = new DataResource(stack, "b", {
      input: escapeTemplates({ before: "${x}:" + ref, around: "a${" + ref + "}", after: ref + " ${" }),
    });
    new TerraformOutput(stack, "o", { value: second.output });

    // WHEN
    const output = applyAndOutput(JSON.parse(Testing.synth(stack)));

    // THEN
    const literal = "${path.cwd} %{ if true }yes%{ endif }";
    expect(output).toEqual({ before: "${x}:" + literal, around: "a${" + literal + "}", after: literal + " ${" });
  });
});

/** terraform_data's `input` takes any value; cdktf types it as a map. */
function anyValue(value: string): { [key: string]: any } {
  return value as unknown as { [key: string]: any };
}

/** Applies `config` (main.tf.json) in a temp dir with the real terraform binary and returns output `o`. */
function applyAndOutput(config: object): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-api-keys-escape-"));
  try {
    const cliConfig = path.join(dir, "empty.tfrc");
    fs.writeFileSync(cliConfig, "");
    fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config, null, 2));
    const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1", TF_INPUT: "0" };
    const run = (...args: string[]): string => {
      const result = spawnSync("terraform", args, { cwd: dir, env, encoding: "utf8", timeout: 120_000 });
      if (result.error) throw result.error;
      if (result.status !== 0) throw new Error(`terraform ${args.join(" ")} failed (${result.status}):\n${result.stderr}${result.stdout}`);
      return result.stdout;
    };
    run("init", "-no-color");
    run("apply", "-auto-approve", "-no-color");
    return JSON.parse(run("output", "-json")).o.value;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
