"""The shipped ICD-10-CM table (icd10cm.tsv.gz), built by `rxintake codes build`."""
