"""Hidden grading checks of the tutorial.

The notebook's hidden test cells call `hidden.check`, which saves the
student's answers as plain arrays (`artefacts`) and has them judged by
`verify` in a fresh, isolated Python process, so that nothing a submission
does inside its kernel (redefining numpy functions, patching `incredible`,
planting modules) changes the verdict. `regrade` re-runs the same checks on
the saved artefacts after autograding and flags grades it cannot reproduce.
"""
