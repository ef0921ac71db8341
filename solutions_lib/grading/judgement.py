"""One submission's answers judged once, for every graded cell (trusted side).

The hidden tests of several cells hand in the same answers (the chains of
the single model for the chains, posterior and DIC cells, the good pixels
with each). A `Judgement` loads and validates each answer file once (each
is handed in by one cell), analyses each distinct set of chains once (its
format, its order of components, the likelihood and its gradient at the
draws that Stein's identities use, on the student's pixels), and every
cell reads its verdict from that. At most `KEPT_ANALYSES` sets of chains
are kept at once, so that a submission handing in different huge chains
to every cell holds no more memory than an honest one. The trusted inputs come from `trusted.trusted_dataset`,
built once per data set in the process; the checks themselves
(`checks.*`) are functions of these inputs.
"""
from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import numpy as np

from ..data import catalogue
from ..engine.likelihood import loglike_batch
from ..engine.models import Model, model_named
from . import answers, stein
from .checks import chains as chain_checks
from .checks import dic as dic_checks
from .checks import images, model_function
from .handins import CONTEXT_KEYS, HandIn
from .kernel_side import answer_keys
from .trusted import TrustedDataset, trusted_dataset
from .verdict import Reason, Verdict, fail, ok

UNKNOWN_DATASET = "a name that is not a course data set"
KEPT_ANALYSES = 2  # sets of chains kept analysed at once: a single and a double model's, for the DIC cell
NO_CHECK_MESSAGE = "This test has no automatic check configured; your instructor grades it."
ANSWER_REASONS = ((answers.AnswerMissing, Reason.MISSING_ANSWER), (answers.AnswerTooLarge, Reason.CAP_HIT),
                  (answers.AnswerError, Reason.MALFORMED))


def _digest(*arrays) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.dtype.str, array.shape)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


class ChainsAnalysis:
    """One distinct set of handed-in chains of ``model`` (a `models.Model`), with the good pixels handed in
    beside it.

    ``failure`` is a failing verdict if the chains cannot be judged at all
    (`checks.chains.chain_format_verdict`); otherwise ``chains`` holds them
    as floats (components in the model's order, ``note`` saying if they were
    not), and the verdicts below are computed when first asked for.

    Parameters
    ----------
    raw : numpy.ndarray
        The handed-in chains, meant to be shaped ``(n_chains, n_samples, n_params)``.
    model : `engine.models.Model`
        The model the chains should sample.
    data : `trusted.TrustedDataset`
        The trusted inputs of the data set judged on.
    goodpix : array_like or None
        The student's good pixels handed in with the chains (the
        reference mask's pixels are used when these are missing or
        implausible).
    """

    def __init__(self, raw: np.ndarray, model: Model, data: TrustedDataset, goodpix):
        self.model, self.data, self.goodpix = model, data, goodpix
        chains = raw.astype(float)
        self.failure = chain_checks.chain_format_verdict(chains, model)
        self.chains, self.note = chains, ""
        if self.failure is None:
            self.chains, self.note = chain_checks.order_components(chains, model)

    @property
    def reference(self) -> dict:
        """The reference posterior of this model on the data set."""
        return self.data.reference[self.model.name]

    @cached_property
    def _likelihood(self):
        """(pixels, -2 ln L, score) at the draws Stein's identities use, on the student's pixels."""
        pixels = self.data.fit_pixels(self.goodpix)
        loglike, score = stein.likelihood_at_draws(self.chains, pixels)
        return pixels, -2.0 * loglike, score

    @cached_property
    def convergence(self) -> Verdict | None:
        return chain_checks.convergence_verdict(self.chains, self.model)

    @cached_property
    def draws(self) -> Verdict:
        _, deviance, score = self._likelihood
        judged = stein.judged_parameters(self.reference, self.model)
        return chain_checks.draws_verdict(self.chains, self.model, deviance, score, judged)

    @cached_property
    def posterior(self) -> Verdict:
        return chain_checks.posterior_verdict(self.chains, self.model, self.reference)

    @cached_property
    def dic_candidates(self) -> list[float]:
        pixels, deviance, _ = self._likelihood
        mean = stein.thinned(self.chains).reshape(-1, self.chains.shape[-1]).mean(axis=0)
        return dic_checks.dic_variants(deviance, -2.0 * loglike_batch(mean[None, :], pixels)[0])

    @property
    def constant(self) -> float:
        """2 sum(ln N!) over the pixels the chains were judged on (students may leave it in their DIC)."""
        return 2.0 * self._likelihood[0].log_factorial_sum


def _noted(verdict: Verdict, note: str) -> Verdict:
    return replace(verdict, message=note + verdict.message) if note else verdict


class Judgement:
    """The verdicts of one submission, from the answers in ``answers_dir``, on course data set ``dataset``.

    ``stop_note`` ends the message of a cell whose answers were never
    handed in (why the notebook stopped, from the run record). Without
    ``answers_dir``, answers can be judged from arrays (`check`).

    Parameters
    ----------
    answers_dir : path-like or None
        The folder of the submission's answer files.
    dataset : str
        The course data set to judge on.
    stop_note : str, optional
        Text added to the message of a cell whose answers are missing (`stop_note`).
    """

    def __init__(self, answers_dir, dataset: str, stop_note: str = ""):
        self.answers_dir = Path(answers_dir) if answers_dir is not None else None
        self.dataset = dataset
        self.stop_note = stop_note
        self._chains: OrderedDict = OrderedDict()

    @cached_property
    def data(self) -> TrustedDataset | None:
        try:
            return trusted_dataset(self.dataset)
        except KeyError:
            return None

    def verdicts(self, spec: dict) -> dict[str, Verdict]:
        """The verdict of every graded cell of ``spec``.

        Parameters
        ----------
        spec : dict of str to list of `handins.HandIn`
            grade_id -> the cell's hand-ins (`handins.graded_handins`).

        Returns
        -------
        dict of str to Verdict
            grade_id -> verdict.
        """
        return {grade_id: self.cell(hand_ins) for grade_id, hand_ins in spec.items()}

    def cell(self, hand_ins: list[HandIn]) -> Verdict:
        """The verdict of one graded cell: every hand-in of the cell must pass its check.

        A passing cell keeps the notes and flags of its checks' verdicts.

        Parameters
        ----------
        hand_ins : list of `handins.HandIn`
            The cell's hand-ins; those that only describe the submission
            (``dataset``) are not checks.

        Returns
        -------
        Verdict
            The first failing hand-in's verdict, a ``NO_CHECK`` failure if
            the cell has no check, or a pass.
        """
        checks = [h for h in hand_ins if h.check not in CONTEXT_KEYS]
        if not checks:
            return fail(Reason.NO_CHECK, NO_CHECK_MESSAGE)
        passed = []
        for hand_in in checks:
            verdict = self._hand_in(hand_in)
            if not verdict.passed:
                return verdict
            passed.append(verdict)
        return ok(" ".join(v.message for v in passed if v.message),
                  " ".join(dict.fromkeys(v.flag for v in passed if v.flag)))

    def _hand_in(self, hand_in: HandIn) -> Verdict:
        try:
            loaded = answers.load_answers(self.answers_dir / answer_keys.file_name(hand_in.key))
        except answers.AnswerError as exc:
            reason = next(reason for kind, reason in ANSWER_REASONS if isinstance(exc, kind))
            if reason is Reason.MISSING_ANSWER:
                return fail(reason, self._missing_message(hand_in))
            return fail(reason, f"Your answer is unusable: {exc}")
        arrays = {name: value for name, value in loaded.items() if name != answers.PROBLEMS_MEMBER}
        absent = [name for name in hand_in.answers if name not in arrays]
        if absent:  # names from the instructor's notebook; the kernel's own messages are not repeated
            problems = loaded.get(answers.PROBLEMS_MEMBER)
            unsaved = problems is not None and problems.size
            return fail(Reason.MALFORMED, f"{', '.join(f'`{name}`' for name in absent)}: "
                        + ("not a plain array of numbers, so it could not be handed in; make it a numpy array "
                           "of numbers (or a list of them) and rerun the cell." if unsaved else
                           "missing from the answer file; rerun the notebook from the top."))
        return self.check(hand_in, arrays)

    def check(self, hand_in: HandIn, arrays: dict) -> Verdict:
        """The verdict of ``hand_in``'s check on its answers ``arrays``.

        An unknown check or data set fails with ``NO_CHECK``; an answer the
        check cannot use fails with ``MALFORMED`` rather than raising.

        Parameters
        ----------
        hand_in : `handins.HandIn`
            Names the check and its options (the model).
        arrays : dict of str to numpy.ndarray
            Answer name -> array.

        Returns
        -------
        Verdict
        """
        if hand_in.check not in CHECKS:
            return fail(Reason.NO_CHECK,
                        f"The grader has no check called {hand_in.check!r}; please tell your instructor.")
        if self.data is None:
            return fail(Reason.NO_CHECK, f"The grader has no data set called {self.dataset!r} to judge by; "
                                         "please tell your instructor.")
        try:
            return CHECKS[hand_in.check](self, arrays, hand_in.options)
        except KeyError:
            return fail(Reason.MALFORMED,
                        "Your answer is missing a part the check needs; rerun the notebook from the top.")
        except Exception as exc:  # malformed answers must fail, never crash grading
            return fail(Reason.MALFORMED,
                        f"Your answer could not be checked (the check raised {type(exc).__name__}); "
                        "check the type and shape of each answer.")

    def _missing_message(self, hand_in: HandIn) -> str:
        names = ", ".join(f"`{name}`" for name in hand_in.answers) or "the answer"
        return (f"No answer was handed in for this test ({names}): the cell did not run to its end. "
                f"Fix the error shown in it or above it, and rerun the notebook from the top.{self.stop_note}")

    def analysis(self, raw: np.ndarray, model: Model, goodpix) -> ChainsAnalysis:
        """The analysis of chains ``raw`` of ``model`` on ``goodpix``, shared by every cell that hands them in.

        Analyses are kept by the content of ``raw`` and ``goodpix`` and the
        model; the oldest is dropped beyond `KEPT_ANALYSES`.

        Parameters
        ----------
        raw : numpy.ndarray
            The handed-in chains, meant to be shaped ``(n_chains, n_samples, n_params)``.
        model : `engine.models.Model`
            The model the chains should sample.
        goodpix : array_like or None
            The student's good pixels handed in beside the chains.

        Returns
        -------
        ChainsAnalysis
        """
        key = (_digest(raw, np.asarray(goodpix if goodpix is not None else [])), model)
        if key in self._chains:
            self._chains.move_to_end(key)
        else:
            self._chains[key] = ChainsAnalysis(raw, model, self.data, goodpix)
            if len(self._chains) > KEPT_ANALYSES:
                self._chains.popitem(last=False)
        return self._chains[key]

    # --- one method per check named by the hidden tests ------------------------------------------
    def _exposure_mask(self, arrays: dict, options: dict) -> Verdict:
        return images.exposure_mask_verdict(arrays["exp_mask"], self.data.exposure_mask)

    def _rebuilt_image(self, arrays: dict, options: dict) -> Verdict:
        return images.rebuilt_image_verdict(arrays["new_im"], self.data.plausible_goodpix(arrays["goodpix"]),
                                            self.data.image)

    def _region_mask(self, arrays: dict, options: dict) -> Verdict:
        return images.region_mask_verdict(arrays["region_mask"], self.data.sky)

    def _beta_model(self, arrays: dict, options: dict) -> Verdict:
        return model_function.beta_model_verdict(arrays)

    def _chains_cell(self, arrays: dict, options: dict) -> Verdict:
        """Format, convergence (R, n_eff) and plausibility of the chains for this data set and model."""
        analysis = self.analysis(arrays["chains"], model_named(options["model"]), arrays.get("goodpix"))
        if analysis.failure:
            return analysis.failure
        return _noted(analysis.convergence or analysis.draws, analysis.note)

    def _posterior_cell(self, arrays: dict, options: dict) -> Verdict:
        """Posterior medians near the reference's, from chains that are plausible posterior draws."""
        analysis = self.analysis(arrays["chains"], model_named(options["model"]), arrays.get("goodpix"))
        if analysis.failure:
            return analysis.failure
        if not analysis.draws.passed:
            return _noted(analysis.draws, analysis.note)
        if not analysis.posterior.passed:
            return _noted(analysis.posterior, analysis.note)
        return ok(analysis.note, analysis.draws.flag)

    def _dic_cell(self, arrays: dict, options: dict) -> Verdict:
        """Each DIC must be the DIC of the student's own (plausible) chains, and DIC1 - DIC2 near the reference's."""
        values, flags = {}, []
        for model in dic_checks.DIC_MODELS:
            key = model.dic_variable
            problem = dic_checks.dic_value_verdict(key, arrays[key])
            if problem:
                return problem
            values[key] = float(arrays[key].ravel()[0])
            analysis = self.analysis(arrays[model.chains_variable], model, arrays.get("goodpix"))
            behind = analysis.failure or (None if analysis.draws.passed else analysis.draws)
            if behind:
                return replace(behind, message=f"The chains behind `{key}`: {behind.message}")
            flags.append(analysis.draws.flag)
            verdict = dic_checks.dic_verdict(key, values[key], analysis.dic_candidates, analysis.constant)
            if not verdict.passed:
                return verdict
        first, second = dic_checks.DIC_MODELS
        reference = self.data.reference
        verdict = dic_checks.delta_dic_verdict(values[first.dic_variable] - values[second.dic_variable],
                                               reference[first.name]["dic"] - reference[second.name]["dic"])
        return verdict if not verdict.passed else ok(flag=next((flag for flag in flags if flag), ""))


CHECKS = {
    "exposure_mask": Judgement._exposure_mask,
    "rebuilt_image": Judgement._rebuilt_image,
    "region_mask": Judgement._region_mask,
    "beta_model": Judgement._beta_model,
    "chains": Judgement._chains_cell,
    "posterior": Judgement._posterior_cell,
    "dic": Judgement._dic_cell,
}


def notebook_dataset_name(answers_dir) -> str | None:
    """The data set name the notebook itself used, if it handed it in.

    Parameters
    ----------
    answers_dir : path-like
        The folder of the submission's answer files.

    Returns
    -------
    str or None
        A course data set's name, `UNKNOWN_DATASET` for any other text
        (the student's text is never repeated), or None when no usable
        ``dataset`` answer was handed in.
    """
    try:
        arrays = answers.load_answers(Path(answers_dir) / answer_keys.file_name("dataset"))
        name = str(arrays["dataset_name"])
    except (answers.AnswerError, KeyError):
        return None
    return name if name in catalogue.dataset_names() else UNKNOWN_DATASET


def stop_note(record) -> str:
    """What the message of a cell without answers adds: why the notebook stopped.

    Parameters
    ----------
    record : `records.RunRecord` or None
        The run record of the submission.

    Returns
    -------
    str
        ``" (<why it stopped>)"``, or ``""`` without a record or a stop.
    """
    return f" ({record.stop.message})" if record is not None and record.stop else ""


def judging_key(spec: dict, answers_dir, dataset: str, note: str) -> str:
    """A fingerprint of everything a submission's verdicts depend on.

    That is the instructor notebook's hand-ins (``spec``), the answer files
    in ``answers_dir`` (only files named as answer files), the data set
    judged on and the stop note.

    Parameters
    ----------
    spec : dict of str to list of `handins.HandIn`
        grade_id -> the cell's hand-ins.
    answers_dir : path-like
        The folder of the submission's answer files.
    dataset : str
        The course data set judged on.
    note : str
        The stop note (`stop_note`).

    Returns
    -------
    str
        A SHA-256 hex digest.
    """
    digest = hashlib.sha256(repr(sorted(spec.items())).encode() + b"\0" + dataset.encode() + b"\0"
                            + note.encode() + b"\0")
    for path in sorted(Path(answers_dir).iterdir()):
        if answer_keys.key_of(path.name) is None:
            continue
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def judge_answers(spec: dict, answers_dir, dataset: str, note: str = "") -> dict:
    """Every graded cell's verdict on the answers in ``answers_dir``, with the `judging_key` of these inputs.

    What the parallel grader's judging pool computes ahead of nbgrader;
    `JudgeAnswers` takes these verdicts when its own inputs have the same
    key. Plain data (verdicts as `Verdict.as_dict`), to store as JSON.

    Parameters
    ----------
    spec : dict of str to list of `handins.HandIn`
        grade_id -> the cell's hand-ins.
    answers_dir : path-like
        The folder of the submission's answer files.
    dataset : str
        The course data set to judge on.
    note : str, optional
        The stop note (`stop_note`).

    Returns
    -------
    dict
        ``key``: the `judging_key`; ``verdicts``: grade_id -> verdict as a dict.
    """
    verdicts = Judgement(answers_dir, dataset, note).verdicts(spec)
    return {"key": judging_key(spec, answers_dir, dataset, note),
            "verdicts": {grade_id: verdict.as_dict() for grade_id, verdict in verdicts.items()}}
