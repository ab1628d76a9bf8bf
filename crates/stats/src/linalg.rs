//! Small dense square matrices and the Cholesky factorisation of symmetric positive definite
//! ones: enough linear algebra for regression normal equations of a handful of parameters.
//!
//! Not a general linear algebra library: there is no pivoting, no sparse storage and nothing
//! tuned for large matrices. The routines are the textbook ones (Golub & Van Loan, *Matrix
//! Computations*, 4th ed. 2013: the "gaxpy" Cholesky of section 4.2, and forward and back
//! substitution of section 3.1).

use crate::StatsError;

/// A dense `n × n` matrix of `f64`, stored row-major.
///
/// It is a plain square matrix; the factorisation methods additionally require it to be
/// symmetric positive definite and check that they are.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Matrix {
    n: usize,
    data: Vec<f64>,
}

/// Relative tolerance for the symmetry check in [`Matrix::cholesky`].
const SYMMETRY_TOLERANCE: f64 = 1e-10;

impl Matrix {
    /// A matrix from `n * n` values in row-major order.
    ///
    /// # Errors
    /// [`StatsError::LengthMismatch`] when `data.len() != n * n`.
    pub fn new(n: usize, data: Vec<f64>) -> Result<Self, StatsError> {
        if data.len() != n * n {
            return Err(StatsError::LengthMismatch {
                what: "matrix data",
                expected: n * n,
                got: data.len(),
            });
        }
        Ok(Self { n, data })
    }

    /// A matrix from its rows.
    ///
    /// # Errors
    /// [`StatsError::LengthMismatch`] when a row's length differs from the number of rows.
    pub fn from_rows<R: AsRef<[f64]>>(rows: &[R]) -> Result<Self, StatsError> {
        let n = rows.len();
        let mut data = Vec::with_capacity(n * n);
        for row in rows {
            let row = row.as_ref();
            if row.len() != n {
                return Err(StatsError::LengthMismatch {
                    what: "matrix row",
                    expected: n,
                    got: row.len(),
                });
            }
            data.extend_from_slice(row);
        }
        Ok(Self { n, data })
    }

    /// The `n × n` zero matrix.
    pub fn zeros(n: usize) -> Self {
        Self {
            n,
            data: vec![0.0; n * n],
        }
    }

    /// The `n × n` identity matrix.
    pub fn identity(n: usize) -> Self {
        let mut m = Self::zeros(n);
        for i in 0..n {
            m.data[i * n + i] = 1.0;
        }
        m
    }

    /// The number of rows (equal to the number of columns).
    pub fn dim(&self) -> usize {
        self.n
    }

    /// Entry `(row, col)`.
    ///
    /// # Panics
    /// When `row` or `col` is not below [`Matrix::dim`] (an indexing bug, as with slices).
    pub fn get(&self, row: usize, col: usize) -> f64 {
        assert!(row < self.n && col < self.n, "matrix index out of range");
        self.data[row * self.n + col]
    }

    /// Sets entry `(row, col)`.
    ///
    /// # Panics
    /// When `row` or `col` is not below [`Matrix::dim`].
    pub fn set(&mut self, row: usize, col: usize, value: f64) {
        assert!(row < self.n && col < self.n, "matrix index out of range");
        self.data[row * self.n + col] = value;
    }

    /// Adds `value` to entry `(row, col)`.
    ///
    /// # Panics
    /// When `row` or `col` is not below [`Matrix::dim`].
    pub fn add_to(&mut self, row: usize, col: usize, value: f64) {
        assert!(row < self.n && col < self.n, "matrix index out of range");
        self.data[row * self.n + col] += value;
    }

    /// The entries in row-major order.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// The diagonal entries.
    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.n).map(|i| self.data[i * self.n + i]).collect()
    }

    /// The matrix–vector product `A x`.
    ///
    /// # Errors
    /// [`StatsError::LengthMismatch`] when `x.len() != dim()`.
    pub fn mul_vec(&self, x: &[f64]) -> Result<Vec<f64>, StatsError> {
        if x.len() != self.n {
            return Err(StatsError::LengthMismatch {
                what: "vector",
                expected: self.n,
                got: x.len(),
            });
        }
        Ok(self
            .data
            .chunks_exact(self.n.max(1))
            .take(self.n)
            .map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum())
            .collect())
    }

    /// The Cholesky factorisation `A = L Lᵀ` with `L` lower triangular.
    ///
    /// Assumptions checked: the matrix is finite, symmetric to a relative tolerance of 1e-10
    /// (of the largest absolute entry), and positive definite. A pivot that is not larger than
    /// `n · ε · max |a_ii|` is treated as zero, so a numerically singular matrix (collinear
    /// regressors, for instance) is reported rather than factorised into garbage.
    ///
    /// # Errors
    /// [`StatsError::NonFinite`], [`StatsError::NotSymmetric`], or
    /// [`StatsError::NotPositiveDefinite`] naming the failing pivot.
    pub fn cholesky(&self) -> Result<Cholesky, StatsError> {
        let n = self.n;
        if self.data.iter().any(|v| !v.is_finite()) {
            return Err(StatsError::NonFinite("matrix"));
        }
        let max_abs = self.data.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        for i in 0..n {
            for j in 0..i {
                let (a, b) = (self.data[i * n + j], self.data[j * n + i]);
                if (a - b).abs() > SYMMETRY_TOLERANCE * max_abs {
                    return Err(StatsError::NotSymmetric { row: i, col: j });
                }
            }
        }
        let max_diag = (0..n).fold(0.0_f64, |m, i| m.max(self.data[i * n + i].abs()));
        let pivot_tolerance = n as f64 * f64::EPSILON * max_diag;

        // Golub & Van Loan section 4.2, the "gaxpy" Cholesky, reading the lower triangle.
        let mut l = vec![0.0; n * n];
        for j in 0..n {
            let mut d = self.data[j * n + j];
            for k in 0..j {
                d -= l[j * n + k] * l[j * n + k];
            }
            if d.is_nan() || d <= pivot_tolerance {
                return Err(StatsError::NotPositiveDefinite { pivot: j });
            }
            let ljj = d.sqrt();
            l[j * n + j] = ljj;
            for i in (j + 1)..n {
                let mut s = self.data[i * n + j];
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k];
                }
                l[i * n + j] = s / ljj;
            }
        }
        Ok(Cholesky { n, l })
    }

    /// Solves `A x = b` for symmetric positive definite `A` (via [`Matrix::cholesky`]).
    ///
    /// # Errors
    /// Those of [`Matrix::cholesky`] and [`Cholesky::solve`].
    pub fn solve_spd(&self, b: &[f64]) -> Result<Vec<f64>, StatsError> {
        self.cholesky()?.solve(b)
    }

    /// The inverse of a symmetric positive definite matrix (via [`Matrix::cholesky`]).
    ///
    /// # Errors
    /// Those of [`Matrix::cholesky`].
    pub fn inverse_spd(&self) -> Result<Matrix, StatsError> {
        Ok(self.cholesky()?.inverse())
    }
}

/// The Cholesky factor `L` of a symmetric positive definite matrix `A = L Lᵀ`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cholesky {
    n: usize,
    /// Lower triangle, row-major, zeros above the diagonal.
    l: Vec<f64>,
}

impl Cholesky {
    /// The dimension of the factorised matrix.
    pub fn dim(&self) -> usize {
        self.n
    }

    /// The lower triangular factor `L` as a matrix (zeros above the diagonal).
    pub fn factor(&self) -> Matrix {
        Matrix {
            n: self.n,
            data: self.l.clone(),
        }
    }

    /// Solves `A x = b` by forward substitution with `L` and back substitution with `Lᵀ`.
    ///
    /// # Errors
    /// [`StatsError::LengthMismatch`] when `b.len()` differs from the dimension.
    pub fn solve(&self, b: &[f64]) -> Result<Vec<f64>, StatsError> {
        let n = self.n;
        if b.len() != n {
            return Err(StatsError::LengthMismatch {
                what: "right-hand side",
                expected: n,
                got: b.len(),
            });
        }
        // L y = b
        let mut y = b.to_vec();
        for i in 0..n {
            let row = &self.l[i * n..i * n + i];
            let s = y[i] - row.iter().zip(&y[..i]).map(|(l, y)| l * y).sum::<f64>();
            y[i] = s / self.l[i * n + i];
        }
        // Lᵀ x = y
        for i in (0..n).rev() {
            let s = y[i] - ((i + 1)..n).map(|k| self.l[k * n + i] * y[k]).sum::<f64>();
            y[i] = s / self.l[i * n + i];
        }
        Ok(y)
    }

    /// The inverse `A⁻¹ = L⁻ᵀ L⁻¹`, symmetric by construction.
    pub fn inverse(&self) -> Matrix {
        let n = self.n;
        // Invert L column by column (forward substitution on unit vectors).
        let mut linv = vec![0.0; n * n];
        for j in 0..n {
            linv[j * n + j] = 1.0 / self.l[j * n + j];
            for i in (j + 1)..n {
                let mut s = 0.0;
                for k in j..i {
                    s -= self.l[i * n + k] * linv[k * n + j];
                }
                linv[i * n + j] = s / self.l[i * n + i];
            }
        }
        // A⁻¹[i][j] = sum_k L⁻¹[k][i] L⁻¹[k][j], k >= max(i, j).
        let mut inv = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let mut s = 0.0;
                for k in i..n {
                    s += linv[k * n + i] * linv[k * n + j];
                }
                inv[i * n + j] = s;
                inv[j * n + i] = s;
            }
        }
        Matrix { n, data: inv }
    }

    /// `ln det A = 2 Σ ln L_ii`.
    pub fn log_determinant(&self) -> f64 {
        (0..self.n).map(|i| 2.0 * self.l[i * self.n + i].ln()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of the Cholesky article on Wikipedia (also a common textbook
    /// exercise): A = [[4, 12, -16], [12, 37, -43], [-16, -43, 98]] = L Lᵀ with
    /// L = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]], so det A = (2·1·3)² = 36.
    fn example() -> Matrix {
        Matrix::from_rows(&[
            [4.0, 12.0, -16.0],
            [12.0, 37.0, -43.0],
            [-16.0, -43.0, 98.0],
        ])
        .unwrap()
    }

    fn assert_all_close(got: &[f64], want: &[f64], tol: f64) {
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() <= tol * w.abs().max(1.0), "got {g}, want {w}");
        }
    }

    #[test]
    fn cholesky_of_known_matrix() {
        let chol = example().cholesky().unwrap();
        let want = [2.0, 0.0, 0.0, 6.0, 1.0, 0.0, -8.0, 5.0, 3.0];
        assert_all_close(chol.factor().as_slice(), &want, 1e-14);
        assert!((chol.log_determinant() - 36.0_f64.ln()).abs() < 1e-12);
    }

    /// The inverse by hand (adjugate over det = 36): [[1777/36, -122/9, 19/9],
    /// [-122/9, 34/9, -5/9], [19/9, -5/9, 1/9]]; numpy 2.4.6 `np.linalg.inv(A)` agrees.
    #[test]
    fn inverse_and_solve_of_known_matrix() {
        let a = example();
        let inv = a.inverse_spd().unwrap();
        let want = [
            1777.0 / 36.0,
            -122.0 / 9.0,
            19.0 / 9.0,
            -122.0 / 9.0,
            34.0 / 9.0,
            -5.0 / 9.0,
            19.0 / 9.0,
            -5.0 / 9.0,
            1.0 / 9.0,
        ];
        assert_all_close(inv.as_slice(), &want, 1e-12);
        // A x = (1, 2, 3): x = A⁻¹ b = (343/12, -23/3, 4/3); numpy `np.linalg.solve` agrees.
        let x = a.solve_spd(&[1.0, 2.0, 3.0]).unwrap();
        assert_all_close(&x, &[343.0 / 12.0, -23.0 / 3.0, 4.0 / 3.0], 1e-12);
        assert_all_close(&a.mul_vec(&x).unwrap(), &[1.0, 2.0, 3.0], 1e-12);
    }

    #[test]
    fn rejects_indefinite_singular_and_asymmetric() {
        // Eigenvalues 3 and -1.
        let indefinite = Matrix::from_rows(&[[1.0, 2.0], [2.0, 1.0]]).unwrap();
        assert_eq!(
            indefinite.cholesky(),
            Err(StatsError::NotPositiveDefinite { pivot: 1 })
        );
        // Rank one: collinear columns.
        let singular = Matrix::from_rows(&[[1.0, 2.0], [2.0, 4.0]]).unwrap();
        assert_eq!(
            singular.cholesky(),
            Err(StatsError::NotPositiveDefinite { pivot: 1 })
        );
        let asymmetric = Matrix::from_rows(&[[2.0, 1.0], [0.0, 2.0]]).unwrap();
        assert_eq!(
            asymmetric.cholesky(),
            Err(StatsError::NotSymmetric { row: 1, col: 0 })
        );
        assert!(Matrix::new(2, vec![1.0; 3]).is_err());
        assert!(Matrix::from_rows(&[vec![1.0, 0.0], vec![0.0]]).is_err());
        let with_nan = Matrix::from_rows(&[[f64::NAN]]).unwrap();
        assert_eq!(with_nan.cholesky(), Err(StatsError::NonFinite("matrix")));
        assert!(example().cholesky().unwrap().solve(&[1.0]).is_err());
    }

    #[test]
    fn identity_is_its_own_inverse() {
        let id = Matrix::identity(4);
        assert_eq!(id.inverse_spd().unwrap(), id);
        assert_eq!(Matrix::zeros(0).inverse_spd().unwrap().dim(), 0);
    }
}
