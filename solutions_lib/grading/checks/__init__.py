"""The hidden checks: functions from a student's answers and the trusted inputs to a `Verdict`.

One module per kind of answer: `images` (the masks and the rebuilt image),
`model_function` (betaModel), `chains` (chains and posteriors), `dic`. Each
check receives the student's answers as plain arrays and everything it
compares them with as explicit inputs (`trusted.TrustedDataset` builds
those from the course's files); no check reads a file, so each can be tried
on small synthetic inputs. Messages say what to look at without revealing
the expected answer, and never repeat text from the submission.
`judgement.Judgement` calls them, once per distinct answer.
"""
