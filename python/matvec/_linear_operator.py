"""``Operator.aslinearoperator()``: a scipy LinearOperator over our products.

scipy's iterative solvers call ``matvec`` with 1-D or (n, 1) vectors and ``matmat`` with 2-D
blocks, of the operator's dtype; each call here goes straight to the Rust product (GIL
released), with the output allocated by it in the layout the block product wants.
"""

import numpy as np
from scipy.sparse.linalg import LinearOperator


class MatvecLinearOperator(LinearOperator):
    """A ``scipy.sparse.linalg.LinearOperator`` whose products are a ``matvec.Operator``'s."""

    def __init__(self, op):
        self.op = op
        super().__init__(dtype=np.dtype(op.dtype), shape=op.shape)

    def _vector(self, x):
        x = np.asarray(x)
        if x.dtype != self.dtype and x.dtype != np.float64:
            x = x.astype(self.dtype)
        return np.ascontiguousarray(x.reshape(-1))

    def _matvec(self, x):
        return self.op.matvec(self._vector(x))

    def _rmatvec(self, x):
        return self.op.rmatvec(self._vector(x))

    def _matmat(self, X):
        X = np.asarray(X)
        if X.dtype != self.dtype and X.dtype != np.float64:
            X = X.astype(self.dtype)
        return self.op.matmat(np.asfortranarray(X))

    def _rmatmat(self, X):
        X = np.asarray(X)
        if X.dtype != self.dtype and X.dtype != np.float64:
            X = X.astype(self.dtype)
        return self.op.rmatmat(np.asfortranarray(X))

    def _adjoint(self):
        # Real matrices: the adjoint is the transpose.
        return _Transposed(self)


class _Transposed(LinearOperator):
    def __init__(self, parent):
        self.parent = parent
        n, m = parent.shape
        super().__init__(dtype=parent.dtype, shape=(m, n))

    def _matvec(self, x):
        return self.parent._rmatvec(x)

    def _rmatvec(self, x):
        return self.parent._matvec(x)

    def _matmat(self, X):
        return self.parent._rmatmat(X)

    def _rmatmat(self, X):
        return self.parent._matmat(X)

    def _adjoint(self):
        return self.parent


def as_linear_operator(op):
    return MatvecLinearOperator(op)
