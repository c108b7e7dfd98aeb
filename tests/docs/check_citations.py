#!/usr/bin/env python3
"""Every document the project cites is in the repository.

A comment or README that cites `docs/NAME.md` (or .yaml) must name a file that exists, and a
cited section (`docs/NAME.md, "Heading"`) must be a heading of that file or a bold label in it
(in a .yaml document: a key, or the label that opens a paragraph of a description).
Nothing may send a reader outside the checkout (a folder beside it, or the planning documents that were
never part of it). Exits 1 listing every broken citation.

usage: check_citations.py REPOSITORY_ROOT
"""

import os
import re
import subprocess
import sys

CITATION = re.compile(r'(docs/[A-Za-z0-9_/.-]+\.(?:md|yaml))(?:,\s*"([^"]+)")?')
OUTSIDE = re.compile(r'\.\./shared|/work/shared|\bDESIGN\.md|KNOWN-GROUND|\bACCESSIBILITY\.md|'
                     r'SERVICE-STANDARDS\.md|DEVELOPERS\.md')
# Text that documents the citation form itself rather than citing.
PLACEHOLDERS = {'docs/file.md', 'docs/NAME.md'}


def project_files(root):
    try:
        listed = subprocess.run(['git', 'ls-files'], cwd=root, check=True, capture_output=True,
                                text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = [os.path.relpath(os.path.join(folder, name), root)
                  for folder, _, names in os.walk(root) for name in names]
    return [name for name in listed
            if not name.startswith(('build/', 'out/', 'tests/data/', '.git/'))
            and name.endswith(('.h', '.cpp', '.md', '.txt', '.toml', '.yaml', '.scenario', '.py',
                               '.cmake', 'run', 'test', 'demo', 'install-deps', 'check-format'))]


def flatten(text):
    """Joins a citation broken over comment lines: '// ' and '# ' markers and line ends go."""
    return re.sub(r'\s*\n\s*(?://+|#+)?\s*', ' ', text)


def sections(path):
    text = open(path, encoding='utf-8').read()
    if path.endswith('.yaml'):
        # An OpenAPI document's sections are its keys (schemas, paths, fields) and the labelled
        # paragraphs of its descriptions ("Card preferences. ...").
        keys = [key.strip().lower() for key in re.findall(r'^\s*([\w/{}.-]+):', text, re.M)]
        labels = [label.strip().lower() for label in re.findall(r'^\s+([A-Z][\w ]+)\.\s', text, re.M)]
        return keys + labels
    headings = [heading.strip().lower() for heading in re.findall(r'^#+\s*(.+)$', text, re.M)]
    labels = [label.strip().lower() for label in re.findall(r'\*\*([^*]+)\*\*', text)]
    return headings + labels


def main(root):
    problems = []
    for name in project_files(root):
        path = os.path.join(root, name)
        try:
            text = flatten(open(path, encoding='utf-8').read())
        except (OSError, UnicodeDecodeError):
            continue
        if OUTSIDE.search(text) and name != 'tests/docs/check_citations.py':
            problems.append(f'{name}: refers to a document outside the repository')
        for match in CITATION.finditer(text):
            document, section = match.group(1), match.group(2)
            if document in PLACEHOLDERS or (section and section.startswith('<')):
                continue
            if not os.path.isfile(os.path.join(root, document)):
                problems.append(f'{name}: cites {document}, which does not exist')
                continue
            if section:
                wanted = section.strip().lower()
                known = sections(os.path.join(root, document))
                if not any(item.startswith(wanted) or wanted in item for item in known):
                    problems.append(f'{name}: cites "{section}" in {document}, no such section')
    for problem in problems:
        print(problem)
    print(f'check_citations: {len(problems)} broken citations')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else '.'))
