#!/usr/bin/env python3
"""Check survey YAML files against Surveys/survey.schema.json.

Usage: python3 Scripts/check-survey-schema.py [--schema PATH] FILE.yaml...

Prints "FILE: OK", or one line "FILE: <json path>: <message>" per problem.
Exits 0 if every file is valid, 1 if any is not, 2 on usage errors or a
missing module (pip install jsonschema pyyaml). The schema checks the shape
only; `consult survey validate` checks everything.
"""

import argparse
import json
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SCHEMA = os.path.join(REPO_ROOT, "Surveys", "survey.schema.json")
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


def make_loader(yaml):
    """A SafeLoader that keeps timestamps as strings, keeps mapping keys as
    written (so `on:` stays "on", not True) and refuses duplicate keys.
    Values keep YAML 1.1 meaning: unquoted yes/no/on/off are booleans, as in
    `consult`, so the schema reports them where a string is expected."""

    class SurveyLoader(yaml.SafeLoader):
        pass

    SurveyLoader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(loader, node, deep=False):
        loader.flatten_mapping(node)
        mapping = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found a non-scalar key", key_node.start_mark)
            key = key_node.value
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "found duplicate key %r" % key, key_node.start_mark)
            mapping[key] = loader.construct_object(value_node, deep=deep)
        return mapping

    SurveyLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    return SurveyLoader


def describe(error):
    """One readable message for a jsonschema error."""
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    instance = error.instance
    if not isinstance(custom, str):
        message = error.message
    elif isinstance(instance, (dict, list)):
        return custom
    else:
        message = "%s (got %s)" % (custom, json.dumps(instance, ensure_ascii=False))
    if custom or error.validator == "type":
        if isinstance(instance, bool):
            message += "; YAML reads unquoted yes/no/on/off/true/false as a boolean: quote the value"
        elif instance is None:
            message += "; the value is empty or null: write one (quoted if it is \"null\" or \"~\")"
    return message


def path_key(error):
    return [(0, p, "") if isinstance(p, int) else (1, 0, str(p)) for p in error.absolute_path]


def main():
    parser = argparse.ArgumentParser(
        description="Check survey YAML files against the survey JSON Schema.")
    parser.add_argument("--schema", default=DEFAULT_SCHEMA,
                        help="the JSON Schema (default: %(default)s)")
    parser.add_argument("files", nargs="+", metavar="FILE.yaml")
    args = parser.parse_args()

    missing = []
    try:
        import yaml
    except ImportError:
        missing.append("pyyaml")
    try:
        import jsonschema
    except ImportError:
        missing.append("jsonschema")
    if missing:
        print("check-survey-schema: missing Python module(s): %s; run: pip install jsonschema pyyaml"
              % ", ".join(missing), file=sys.stderr)
        return 2

    try:
        with open(args.schema, encoding="utf-8") as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError) as e:
        print("check-survey-schema: cannot read schema %s: %s" % (args.schema, e), file=sys.stderr)
        return 2
    except jsonschema.exceptions.SchemaError as e:
        print("check-survey-schema: invalid schema %s: %s" % (args.schema, e.message), file=sys.stderr)
        return 2

    validator = jsonschema.Draft202012Validator(schema)
    loader = make_loader(yaml)
    failed = False
    for name in args.files:
        try:
            with open(name, encoding="utf-8") as f:
                document = yaml.load(f, Loader=loader)
        except OSError as e:
            print("%s: cannot read: %s" % (name, e.strerror or e))
            failed = True
            continue
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            print("%s: invalid YAML: %s" % (name, " ".join(str(e).split())))
            failed = True
            continue
        errors = sorted(validator.iter_errors(document), key=path_key)
        if not errors:
            print("%s: OK" % name)
            continue
        failed = True
        seen = set()
        for error in errors:
            line = "%s: %s: %s" % (name, error.json_path, describe(error))
            if line not in seen:
                seen.add(line)
                print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
