"""The offline side: loaders, the training job (``python -m train``) and the evaluation."""
