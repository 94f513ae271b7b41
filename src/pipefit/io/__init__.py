"""Files in and out: native CSVs and the export formats of the CRMs users already have."""
