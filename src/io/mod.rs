//! Files our users already have: numpy `.npy` ([`npy`]) and Matrix Market ([`mtx`]), with
//! scipy `.npz` to come.

pub mod mtx;
pub mod npy;
pub mod npz;
