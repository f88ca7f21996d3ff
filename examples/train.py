"""A small TensorFlow training script: run `tf-lsp check examples/` to see which of these imports would fail."""
import numpy as np
import tensorflow as tf
from tensorflow import keras
from tensorflow.keras.layers import Dense, Dropout
import tensorflow.compat.v1 as tf1


def build_model() -> keras.Model:
    model = keras.Sequential([Dense(64, activation="relu"), Dropout(0.1), Dense(10)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


if __name__ == "__main__":
    print(tf.config.list_physical_devices("GPU"))
    print(build_model(), np.zeros(3), tf1)
