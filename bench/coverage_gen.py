#!/usr/bin/env python3
"""Generate the coverage benchmark: a git repository of N files (default 5,000
x 200 lines), a change touching 4 lines in every file (20,000 changed lines),
and the same coverage of head (1,000,000 measured lines) as LCOV, Cobertura
and JaCoCo XML.

Usage: python3 bench/coverage_gen.py OUTDIR [FILES] [LINES_PER_FILE]
"""
import os
import random
import subprocess
import sys


def git(repo, *args):
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1")
    subprocess.run(["git", *args], cwd=repo, check=True, env=env, stdout=subprocess.DEVNULL)


def main():
    out = sys.argv[1]
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    per_file = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    rnd = random.Random(42)
    repo = os.path.join(out, "repo")
    os.makedirs(repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.name", "bench")
    git(repo, "config", "user.email", "bench@example.invalid")
    paths = [f"src/pkg{i // 100}/mod{i}.py" for i in range(files)]
    changed = [sorted(rnd.sample(range(1, per_file + 1), 4)) for _ in range(files)]

    def write(head):
        for path, lines in zip(paths, changed):
            full = os.path.join(repo, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                for j in range(1, per_file + 1):
                    value = j * 7 if head and j in lines else j
                    f.write(f"value_{j} = {value}\n")

    write(False)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    git(repo, "checkout", "-q", "-b", "feature")
    write(True)
    git(repo, "commit", "-q", "-am", "head")

    hits = [[(rnd.random() < 0.8) * rnd.randint(1, 50) for _ in range(per_file)] for _ in paths]
    with open(os.path.join(out, "lcov.info"), "w") as f:
        for path, h in zip(paths, hits):
            f.write(f"TN:\nSF:{path}\n")
            f.writelines(f"DA:{j},{n}\n" for j, n in enumerate(h, 1))
            f.write(f"LF:{per_file}\nLH:{sum(1 for n in h if n)}\nend_of_record\n")
    with open(os.path.join(out, "coverage.xml"), "w") as f:
        f.write('<?xml version="1.0" ?>\n<coverage line-rate="0.8" branch-rate="0" version="7.0" timestamp="1">\n')
        f.write(f"<sources><source>{repo}</source></sources>\n<packages>\n")
        for path, h in zip(paths, hits):
            f.write(f'<package name="{os.path.dirname(path)}"><classes><class name="{os.path.basename(path)}" filename="{path}" line-rate="0.8"><methods/><lines>\n')
            f.writelines(f'<line number="{j}" hits="{n}"/>\n' for j, n in enumerate(h, 1))
            f.write("</lines></class></classes></package>\n")
        f.write("</packages>\n</coverage>\n")
    with open(os.path.join(out, "jacoco.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?><report name="bench">\n')
        for path, h in zip(paths, hits):
            f.write(f'<package name="{os.path.dirname(path)}"><sourcefile name="{os.path.basename(path)}">\n')
            f.writelines(f'<line nr="{j}" mi="{0 if n else 3}" ci="{3 if n else 0}" mb="0" cb="0"/>\n' for j, n in enumerate(h, 1))
            f.write("</sourcefile></package>\n")
        f.write("</report>\n")


if __name__ == "__main__":
    main()
