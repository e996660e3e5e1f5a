"""Any TFDS image dataset by name (default MNIST, 28 px), DCGAN. The data must already be prepared in
data_dir (nothing is downloaded at run time): `tfds build mnist --data_dir=DIR` where there is network.

    python -m pipeline.run --config=configs/tfds_mnist.py --workdir=runs/mnist \
        --config.data.data_dir=$HOME/tensorflow_datasets [--config.data.tfds_name=fashion_mnist]
"""

from configs.common import images


def get_config():
    c = images()
    c.data.source = "tfds"
    c.data.tfds_name = "mnist"
    c.data.split = "train"
    c.data.image_size = 28
    c.train.steps = 10_000
    return c
