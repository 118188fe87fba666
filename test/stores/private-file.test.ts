import * as fs from "fs";
import * as path from "path";
import { describeFileError, findFileInTheWay } from "../../src/stores/private-file";
import { makeTempDir, removeTempDirs } from "./age-test-kit";

afterEach(removeTempDirs);

/** The error a real system call fails with. */
function failure(call: () => unknown): unknown {
  try {
    call();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

describe("describeFileError (errors of real system calls)", () => {
  test("names the operation, the path and the errno", () => {
    const missing = path.join(makeTempDir(), "missing");
    expect(describeFileError(failure(() => fs.unlinkSync(missing)))).toBe(`unlink ${missing} failed with ENOENT (no such file or directory)`);
  });

  test("names both paths of a rename, and what is in the way", () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, "a"), "");
    fs.mkdirSync(path.join(dir, "b", "inner"), { recursive: true });
    expect(describeFileError(failure(() => fs.renameSync(path.join(dir, "a"), path.join(dir, "b"))))).toMatch(
      new RegExp(`^rename ${dir}/a -> ${dir}/b failed with EISDIR \\(.+\\): a folder is in the way where a file belongs$`),
    );
  });

  test("names the file that stands where a folder belongs", () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, "file"), "");
    expect(describeFileError(failure(() => fs.openSync(path.join(dir, "file", "x", "y"), "wx")))).toBe(
      `open ${dir}/file/x/y failed with ENOTDIR (not a directory): ${dir}/file is a file, not a folder: move it away`,
    );
    expect(describeFileError(failure(() => fs.mkdirSync(path.join(dir, "file"), { recursive: true })))).toBe(
      `mkdir ${dir}/file failed with EEXIST (file already exists): ${dir}/file is a file, not a folder: move it away`,
    );
  });

  test("an error that is no system call error is its message", () => {
    expect(describeFileError(new Error("something else"))).toBe("something else");
    expect(describeFileError(Object.assign(new Error("EIO: i/o error, rename"), { code: "EIO" }))).toBe("EIO: i/o error, rename");
    expect(describeFileError("text")).toBe("text");
  });
});

describe("findFileInTheWay", () => {
  test("the nearest existing thing above a path, when it is not a folder", () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, "file"), "");
    expect(findFileInTheWay(path.join(dir, "file", "a", "b"))).toBe(path.join(dir, "file"));
    expect(findFileInTheWay(path.join(dir, "missing", "a"))).toBeUndefined();
    expect(findFileInTheWay(dir)).toBeUndefined();
  });
});
